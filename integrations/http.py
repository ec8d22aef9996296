"""The one HTTP client every connector uses to talk to an outside channel.

Every call has a connect and a read timeout. Temporary failures (5xx, timeouts, connection resets)
are retried with exponential backoff and full jitter; a 429 sets the channel's "not before" time
from its Retry-After and no request to that channel leaves before it. A token bucket limits the
rate per channel, and a circuit breaker per channel opens after `breaker_threshold` consecutive
failures, lets one probe through per reset interval, and closes on success. The "not before" time,
the bucket and the breaker live in Redis (`CHANNEL_STATE_URL`) so every worker shares them; without
Redis (the embedded default) they live in the process.

A POST is retried only when it carries the channel's idempotency mechanism (an idempotency key,
i.e. an external reference per listing and content version), so a lost response never creates a
duplicate. Credentials are sent as headers and never appear in logs or reprs.
"""

from __future__ import annotations

import ipaddress
import logging
import random
import socket
import threading
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import requests
from django.conf import settings

from core.errors import ApplicationError, InvalidInput

logger = logging.getLogger(__name__)


class ChannelError(ApplicationError):
    """A call to an outside channel failed. `temporary`: worth trying again later."""

    code = "channel_error"
    status_code = 502
    temporary = False
    outcome_unknown = False  # a write without an idempotency key got no answer: it may have been applied
    retry_at: float | None = None  # epoch seconds before which the channel asked not to be called

    def __init__(self, detail: str, *, channel: str = "", temporary: bool | None = None, status: int | None = None):
        super().__init__(detail)
        self.channel = channel
        self.status = status
        if temporary is not None:
            self.temporary = temporary


class ChannelUnavailable(ChannelError):
    """The channel's circuit breaker is open (or it answered 503s until it opened): defer, don't fail."""

    code = "channel_unavailable"
    status_code = 503
    temporary = True


class ChannelRejected(ChannelError):
    """The channel refused the request itself (a 4xx other than 429); trying again changes nothing."""

    code = "channel_rejected"
    status_code = 422
    temporary = False

    def __init__(self, detail: str, *, channel: str = "", status: int | None = None, body=None):
        super().__init__(detail, channel=channel, temporary=False, status=status)
        self.body = body


class ChannelURLRefused(InvalidInput):
    """A base URL that points at a private, loopback, link-local or reserved address."""

    code = "unsafe_url"

    def __init__(self, detail: str):
        super().__init__(detail, attr="base_url", fields={"base_url": [("unsafe_url", detail)]})


# --- base URL check -----------------------------------------------------------------------------


def _same_origin(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.hostname, pa.port) == (pb.scheme, pb.hostname, pb.port)


def base_url_check(url: str) -> str:
    """The URL if a channel may be pointed at it; ChannelURLRefused (a 400 on `base_url`) if not.

    Refuses hosts that are or resolve to private, loopback, link-local, multicast or reserved
    addresses (cloud metadata at 169.254.169.254 among them), unless the URL is the configured
    simulator or CHANNEL_ALLOW_PRIVATE_URLS is on.
    """
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ChannelURLRefused(f"'{url}' is not an http(s) URL with a host.")
    if parts.username or parts.password:
        raise ChannelURLRefused("A channel URL may not carry credentials; they come from the environment.")
    if _same_origin(url, settings.CHANNEL_SIMULATOR_URL) or settings.CHANNEL_ALLOW_PRIVATE_URLS:
        return url
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except socket.gaierror as exc:
        raise ChannelURLRefused(f"The host '{parts.hostname}' does not resolve.") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if (
            address.is_private
            or address.is_loopback
            or address.is_link_local
            or address.is_reserved
            or address.is_multicast
            or address.is_unspecified
        ):
            raise ChannelURLRefused(
                f"'{parts.hostname}' resolves to {address}, a private, loopback, link-local or reserved address."
            )
    return url


# --- shared state: "not before", token bucket, breaker ------------------------------------------

_BUCKET_SCRIPT = """
local tokens = tonumber(redis.call('HGET', KEYS[1], 't'))
local stamp = tonumber(redis.call('HGET', KEYS[1], 's'))
local now = tonumber(ARGV[1]); local rate = tonumber(ARGV[2]); local burst = tonumber(ARGV[3])
if tokens == nil then tokens = burst; stamp = now end
tokens = math.min(burst, tokens + math.max(0, now - stamp) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = (1 - tokens) / rate end
if wait == 0 then
  redis.call('HSET', KEYS[1], 't', tostring(tokens), 's', tostring(now))
  redis.call('EXPIRE', KEYS[1], 3600)
end
return tostring(wait)
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
        self._take = client.register_script(_BUCKET_SCRIPT)
        self._fail = client.register_script(_RECORD_FAILURE)
        self._not_before = client.register_script(_SET_NOT_BEFORE)

    def _key(self, channel: str, what: str) -> str:
        return f"{self.prefix}:{channel}:{what}"

    def not_before(self, channel: str) -> float:
        return float(self.redis.get(self._key(channel, "not_before")) or 0)

    def set_not_before(self, channel: str, until: float) -> None:
        self._not_before(keys=[self._key(channel, "not_before")], args=[repr(until), 3600])

    def take_token(self, channel: str, rate: float, burst: int) -> float:
        return float(self._take(keys=[self._key(channel, "bucket")], args=[repr(time.time()), rate, burst]))

    def breaker_get(self, channel: str) -> dict:
        raw = self.redis.hgetall(self._key(channel, "breaker"))
        return {k.decode() if isinstance(k, bytes) else k: float(v) for k, v in raw.items()}

    def probe_acquire(self, channel: str, seconds: float) -> bool:
        return bool(self.redis.set(self._key(channel, "probe"), "1", nx=True, px=max(1, int(seconds * 1000))))

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

    def not_before(self, channel):
        return self._values.get((channel, "not_before"), 0.0)

    def set_not_before(self, channel, until):
        with self._lock:
            self._values[channel, "not_before"] = max(until, self.not_before(channel))

    def take_token(self, channel, rate, burst):
        with self._lock:
            now = time.time()
            tokens, stamp = self._values.get((channel, "bucket"), (float(burst), now))
            tokens = min(burst, tokens + max(0.0, now - stamp) * rate)
            if tokens >= 1:
                self._values[channel, "bucket"] = (tokens - 1, now)
                return 0.0
            return (1 - tokens) / rate

    def breaker_get(self, channel):
        return dict(self._values.get((channel, "breaker"), {}))

    def probe_acquire(self, channel, seconds):
        with self._lock:
            now = time.time()
            if self._values.get((channel, "probe"), 0.0) > now:
                return False
            self._values[channel, "probe"] = now + seconds
            return True

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


# --- the client ---------------------------------------------------------------------------------


def _retry_after_seconds(value: str | None, default: float) -> float:
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return default


class ChannelClient:
    """HTTP to one channel with timeouts, retries, a shared rate limit and a shared breaker."""

    IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

    def __init__(
        self,
        channel_code: str,
        base_url: str,
        *,
        rate_per_second: float = 20.0,
        burst: int = 20,
        connect_timeout: float = 3.0,
        read_timeout: float = 10.0,
        max_attempts: int = 5,
        breaker_threshold: int = 5,
        breaker_reset_seconds: float = 30.0,
        backoff_base: float = 0.2,
        backoff_cap: float = 10.0,
        default_retry_after: float = 1.0,
        max_wait_seconds: float = 30.0,
        headers: dict | None = None,
        idempotency_header: str = "Idempotency-Key",
        redis=None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ):
        self.channel = channel_code
        self.base_url = base_url.rstrip("/")
        self.rate_per_second = rate_per_second
        self.burst = burst
        self.timeout = (connect_timeout, read_timeout)
        self.max_attempts = max(1, max_attempts)
        self.breaker_threshold = breaker_threshold
        self.breaker_reset_seconds = breaker_reset_seconds
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.default_retry_after = default_retry_after
        self.max_wait_seconds = max_wait_seconds
        self.idempotency_header = idempotency_header
        self._headers = dict(headers or {})
        if redis is None:
            self.state = channel_state_store()
        elif isinstance(redis, RedisChannelState | LocalChannelState):
            self.state = redis
        else:
            self.state = RedisChannelState(redis)
        self.sleep = sleep
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not security
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(max_retries=0, pool_connections=4, pool_maxsize=16)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.attempts = 0  # requests actually sent by this client, for figures and tests

    def __repr__(self):
        return f"<ChannelClient {self.channel} {self.base_url}>"

    # The breaker, as seen by every worker.
    def breaker_state(self) -> dict:
        return breaker_state(self.channel, store=self.state)

    def _breaker_admit(self) -> None:
        raw = self.state.breaker_get(self.channel)
        open_until = raw.get("open_until", 0.0)
        if not open_until:
            return
        if open_until > time.time() or not self.state.probe_acquire(self.channel, self.breaker_reset_seconds):
            raise ChannelUnavailable(
                f"{self.channel} is unavailable (circuit open after {int(raw.get('failures', 0))} failures).",
                channel=self.channel,
            )
        logger.info("channel %s: half-open probe", self.channel)

    def _failure(self) -> None:
        failures = self.state.record_failure(
            self.channel, self.breaker_threshold, time.time() + self.breaker_reset_seconds
        )
        if failures == self.breaker_threshold:
            logger.warning("channel %s: circuit opened after %s consecutive failures", self.channel, failures)

    def _wait_turn(self) -> None:
        """Sleep until the channel's Retry-After has elapsed and a token is free."""
        while True:
            not_before = self.state.not_before(self.channel)
            wait = not_before - time.time()
            if wait > self.max_wait_seconds:
                # Longer than a worker should sleep: the caller defers the work to after `retry_at`.
                error = ChannelUnavailable(
                    f"{self.channel} asked us to wait {wait:.0f} s (Retry-After).", channel=self.channel
                )
                error.retry_at = not_before
                raise error
            if wait > 0:
                self.sleep(wait + 0.001)
                continue
            wait = self.state.take_token(self.channel, self.rate_per_second, self.burst)
            if wait > 0:
                self.sleep(wait)
                continue
            # A 429 seen by another worker while we waited for the token moves the line again.
            if self.state.not_before(self.channel) <= time.time():
                return

    def _backoff(self, attempt: int) -> None:
        self.sleep(self.rng.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt)))

    def request(
        self,
        method: str,
        path: str,
        *,
        json=None,
        params: dict | None = None,
        headers: dict | None = None,
        idempotency_key: str | None = None,
    ) -> requests.Response:
        """The channel's response (2xx or a 4xx it chose to give); raises ChannelError on the rest.

        Retries 5xx, 429, timeouts and resets while attempts remain, but a POST/PATCH only when
        `idempotency_key` is given (sent in the channel's idempotency header).
        """
        method = method.upper()
        retriable = method in self.IDEMPOTENT_METHODS or bool(idempotency_key)
        send_headers = {**self._headers, **(headers or {})}
        if idempotency_key:
            send_headers[self.idempotency_header] = idempotency_key
        url = f"{self.base_url}/{path.lstrip('/')}"  # never another host: base_url is the checked one
        last_error: ChannelError | None = None
        for attempt in range(self.max_attempts):
            self._breaker_admit()
            self._wait_turn()
            self.attempts += 1
            try:
                # A redirect could lead to a host base_url_check never saw (cloud metadata, say).
                response = self.session.request(
                    method,
                    url,
                    json=json,
                    params=params,
                    headers=send_headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                self._failure()
                kind = "timed out" if isinstance(exc, requests.Timeout) else "lost its connection"
                logger.info("channel %s: %s %s %s (attempt %s)", self.channel, method, path, kind, attempt + 1)
                last_error = ChannelError(
                    f"{self.channel}: {method} {path} {kind}.", channel=self.channel, temporary=True
                )
                if not retriable:
                    # The channel may or may not have applied it; without a key we must not resend.
                    last_error.outcome_unknown = True
                    raise last_error from exc
                self._backoff(attempt)
                continue
            status = response.status_code
            if status == 429:
                wait = _retry_after_seconds(response.headers.get("Retry-After"), self.default_retry_after)
                self.state.set_not_before(self.channel, time.time() + wait)
                logger.info("channel %s: 429, not before +%.2fs", self.channel, wait)
                last_error = ChannelError(
                    f"{self.channel}: rate limited.", channel=self.channel, temporary=True, status=429
                )
                if not retriable:
                    raise last_error
                continue
            if status >= 500:
                self._failure()
                logger.info("channel %s: %s %s -> %s (attempt %s)", self.channel, method, path, status, attempt + 1)
                error_class = ChannelUnavailable if status == 503 else ChannelError
                last_error = error_class(
                    f"{self.channel}: {method} {path} answered {status}.",
                    channel=self.channel,
                    temporary=True,
                    status=status,
                )
                if not retriable:
                    raise last_error
                self._backoff(attempt)
                continue
            if response.is_redirect:
                raise ChannelError(
                    f"{self.channel}: {method} {path} answered a redirect ({status}); channel calls do not "
                    "follow redirects, so correct the channel's base URL.",
                    channel=self.channel,
                    temporary=False,
                    status=status,
                )
            self.state.record_success(self.channel)
            return response
        raise last_error or ChannelError(f"{self.channel}: no attempt made.", channel=self.channel, temporary=True)

    def body(self, response: requests.Response):
        """The response's JSON ({} when empty); a body that is not JSON is a temporary ChannelError."""
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError as exc:
            raise ChannelError(
                f"{self.channel}: answered {response.status_code} with a body that is not JSON.",
                channel=self.channel,
                temporary=True,
                status=response.status_code,
            ) from exc

    def json(self, method: str, path: str, **kwargs):
        """`request`, then the JSON body; a 4xx raises ChannelRejected carrying the body."""
        response = self.request(method, path, **kwargs)
        body = self.body(response)
        if response.status_code >= 400:
            raise ChannelRejected(
                f"{self.channel}: {method} {path} refused ({response.status_code}).",
                channel=self.channel,
                status=response.status_code,
                body=body,
            )
        return body

    def close(self) -> None:
        self.session.close()


def client_for(config, **overrides) -> ChannelClient:
    """A ChannelClient for a ChannelConfig, with the channel's limits from CHANNEL_LIMITS."""
    limits = {**settings.CHANNEL_LIMITS.get("default", {}), **settings.CHANNEL_LIMITS.get(config.code, {})}
    limits.update(overrides)
    return ChannelClient(config.code, base_url_check(config.base_url), **limits)
