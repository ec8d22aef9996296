"""Each channel's "not before" time (from a 429's Retry-After), token bucket and circuit breaker.

They live in Redis (`CHANNEL_STATE_URL`) so every worker shares them; without Redis (the embedded
default) they live in the process (docs/decisions/0006). A request's admission (breaker, "not
before", token) is one atomic step, one round trip to Redis (docs/decisions/0032).
"""

from __future__ import annotations

import threading
import time

from django.conf import settings

# One request's admission, atomically: the breaker (open: refused; its reset time passed: one
# half-open probe per interval), then the channel's "not before" time, then a token. Returns
# {verdict, seconds, failures}: "go" (a token was taken), "open" (refused by the breaker),
# "not_before" (seconds until the Retry-After ends) or "token" (seconds until a token is free).
# ARGV[5] = 0 skips the breaker: the caller was admitted by it already and only waited.
_ADMIT_SCRIPT = """
local now = tonumber(ARGV[1]); local rate = tonumber(ARGV[2]); local burst = tonumber(ARGV[3])
local failures = tonumber(redis.call('HGET', KEYS[1], 'failures') or '0')
if ARGV[5] == '1' then
  local open_until = tonumber(redis.call('HGET', KEYS[1], 'open_until') or '0')
  if open_until > 0 then
    if open_until > now or not redis.call('SET', KEYS[2], '1', 'NX', 'PX', ARGV[4]) then
      return {'open', '0', tostring(failures)}
    end
  end
end
local not_before = tonumber(redis.call('GET', KEYS[3]) or '0')
if not_before > now then return {'not_before', tostring(not_before - now), tostring(failures)} end
local tokens = tonumber(redis.call('HGET', KEYS[4], 't'))
local stamp = tonumber(redis.call('HGET', KEYS[4], 's'))
if tokens == nil then tokens = burst; stamp = now end
tokens = math.min(burst, tokens + math.max(0, now - stamp) * rate)
if tokens < 1 then return {'token', tostring((1 - tokens) / rate), tostring(failures)} end
redis.call('HSET', KEYS[4], 't', tostring(tokens - 1), 's', tostring(now))
redis.call('EXPIRE', KEYS[4], 3600)
return {'go', '0', tostring(failures)}
"""

_RECORD_FAILURE = """
local failures = redis.call('HINCRBY', KEYS[1], 'failures', 1)
if failures >= tonumber(ARGV[1]) then
  redis.call('HSET', KEYS[1], 'open_until', ARGV[2])
end
redis.call('EXPIRE', KEYS[1], 86400)
return failures
"""

_SET_NOT_BEFORE = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > current then redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) end
return redis.call('GET', KEYS[1])
"""


class RedisChannelState:
    """Per-channel state in Redis, shared by every worker and web process."""

    def __init__(self, client, prefix: str = "channel"):
        self.redis = client
        self.prefix = prefix
        self._admit = client.register_script(_ADMIT_SCRIPT)
        self._fail = client.register_script(_RECORD_FAILURE)
        self._not_before = client.register_script(_SET_NOT_BEFORE)

    def _key(self, channel: str, what: str) -> str:
        return f"{self.prefix}:{channel}:{what}"

    def admit(self, channel: str, rate: float, burst: int, probe_seconds: float, check_breaker: bool = True):
        """(verdict, seconds, failures) for one request; see _ADMIT_SCRIPT."""
        keys = [self._key(channel, w) for w in ("breaker", "probe", "not_before", "bucket")]
        probe_ms = max(1, int(probe_seconds * 1000))
        verdict, seconds, failures = self._admit(
            keys=keys, args=[repr(time.time()), rate, burst, probe_ms, int(check_breaker)]
        )
        return verdict.decode(), float(seconds), int(float(failures))

    def set_not_before(self, channel: str, until: float) -> None:
        self._not_before(keys=[self._key(channel, "not_before")], args=[repr(until), 3600])

    def breaker_get(self, channel: str) -> dict:
        raw = self.redis.hgetall(self._key(channel, "breaker"))
        return {k.decode() if isinstance(k, bytes) else k: float(v) for k, v in raw.items()}

    def record_failure(self, channel: str, threshold: int, open_until: float) -> int:
        return int(self._fail(keys=[self._key(channel, "breaker")], args=[threshold, repr(open_until)]))

    def record_success(self, channel: str) -> None:
        self.redis.delete(self._key(channel, "breaker"))

    def clear(self, channel: str) -> None:
        self.redis.delete(*(self._key(channel, w) for w in ("breaker", "probe", "bucket", "not_before")))

    def clear_all(self) -> None:
        keys = list(self.redis.scan_iter(match=f"{self.prefix}:*", count=500))
        if keys:
            self.redis.delete(*keys)


class LocalChannelState:
    """The same state in this process only: the embedded default, where no Redis runs."""

    def __init__(self):
        self._lock = threading.Lock()
        self._values: dict[tuple[str, str], object] = {}

    def admit(self, channel, rate, burst, probe_seconds, check_breaker=True):
        with self._lock:
            now = time.time()
            breaker = self._values.get((channel, "breaker"), {})
            failures = int(breaker.get("failures", 0))
            open_until = breaker.get("open_until", 0.0)
            if check_breaker and open_until:
                if open_until > now or self._values.get((channel, "probe"), 0.0) > now:
                    return "open", 0.0, failures
                self._values[channel, "probe"] = now + probe_seconds
            not_before = self._values.get((channel, "not_before"), 0.0)
            if not_before > now:
                return "not_before", not_before - now, failures
            tokens, stamp = self._values.get((channel, "bucket"), (float(burst), now))
            tokens = min(burst, tokens + max(0.0, now - stamp) * rate)
            if tokens < 1:
                return "token", (1 - tokens) / rate, failures
            self._values[channel, "bucket"] = (tokens - 1, now)
            return "go", 0.0, failures

    def set_not_before(self, channel, until):
        with self._lock:
            self._values[channel, "not_before"] = max(until, self._values.get((channel, "not_before"), 0.0))

    def breaker_get(self, channel):
        return dict(self._values.get((channel, "breaker"), {}))

    def record_failure(self, channel, threshold, open_until):
        with self._lock:
            breaker = self._values.setdefault((channel, "breaker"), {})
            breaker["failures"] = breaker.get("failures", 0) + 1
            if breaker["failures"] >= threshold:
                breaker["open_until"] = open_until
            return int(breaker["failures"])

    def record_success(self, channel):
        with self._lock:
            self._values.pop((channel, "breaker"), None)

    def clear(self, channel):
        with self._lock:
            for what in ("breaker", "probe", "bucket", "not_before"):
                self._values.pop((channel, what), None)

    def clear_all(self):
        with self._lock:
            self._values.clear()


_local_state = LocalChannelState()
_redis_states: dict[tuple[str, str], RedisChannelState] = {}


def channel_state_store(url: str | None = None):
    """The shared state store: Redis at CHANNEL_STATE_URL (keys under CHANNEL_STATE_PREFIX), or the
    in-process one when it is empty."""
    url = settings.CHANNEL_STATE_URL if url is None else url
    if not url:
        return _local_state
    key = (url, settings.CHANNEL_STATE_PREFIX)
    if key not in _redis_states:
        import redis

        _redis_states[key] = RedisChannelState(redis.Redis.from_url(url), prefix=settings.CHANNEL_STATE_PREFIX)
    return _redis_states[key]


def breaker_state(channel: str, *, store=None) -> dict:
    """The breaker as every worker sees it: {"state": closed|open|half_open, "failures", "open_until"}."""
    store = store or channel_state_store()
    raw = store.breaker_get(channel)
    open_until = raw.get("open_until", 0.0)
    if not open_until:
        state = "closed"
    elif open_until > time.time():
        state = "open"
    else:
        state = "half_open"
    return {"state": state, "failures": int(raw.get("failures", 0)), "open_until": open_until}
