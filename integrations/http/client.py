"""The channel client: HTTP to one channel, as every connector talks to it.

Every call has a connect and a read timeout. Temporary failures (5xx, timeouts, connection resets)
are retried with exponential backoff and full jitter; a 429 sets the channel's "not before" time
from its Retry-After and no request to that channel leaves before it. A token bucket limits the
rate per channel, and a circuit breaker per channel opens after `breaker_threshold` consecutive
failures, lets one probe through per reset interval, and closes on success. The "not before" time,
the bucket and the breaker are shared by every worker (integrations.http.state).

A POST is retried only when it carries the channel's idempotency mechanism (an idempotency key,
i.e. an external reference per listing and content version), so a lost response never creates a
duplicate. Credentials are sent as headers and never appear in logs or reprs.
"""

from __future__ import annotations

import json as jsonlib
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
import urllib3
from django.conf import settings

from integrations.http.base_url import base_url_check
from integrations.http.errors import ChannelError, ChannelRejected, ChannelUnavailable
from integrations.http.state import LocalChannelState, RedisChannelState, breaker_state, channel_state_store

logger = logging.getLogger(__name__)


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


# No answer: a timeout, no connection (refused, reset, cut off mid-body), a TLS or proxy failure.
LOST = (
    urllib3.exceptions.TimeoutError,
    urllib3.exceptions.ProtocolError,
    urllib3.exceptions.SSLError,
    urllib3.exceptions.ProxyError,
)


@dataclass(frozen=True)
class ChannelResponse:
    """A channel's answer, read whole: what connectors look at (a subset of `requests.Response`)."""

    status_code: int
    headers: urllib3.HTTPHeaderDict  # case-insensitive
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self):
        return jsonlib.loads(self.content)

    @property
    def is_redirect(self) -> bool:
        return "location" in self.headers and self.status_code in (301, 302, 303, 307, 308)


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
        concurrency: int = 1,
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
        self.max_attempts = max(1, max_attempts)
        self.breaker_threshold = breaker_threshold
        self.breaker_reset_seconds = breaker_reset_seconds
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.default_retry_after = default_retry_after
        self.max_wait_seconds = max_wait_seconds
        self.concurrency = max(1, concurrency)
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
        # urllib3 directly: `requests` on top of it cost twice the client's CPU per call (a PUT to
        # the simulator: 0.57 ms against 0.24 ms), and a full run to a channel without a bulk call
        # is one call per listing. Keep-alive connections, one per thread of `each` at most; the
        # proxy for the base URL (HTTP(S)_PROXY, NO_PROXY) and the CA bundle (REQUESTS_CA_BUNDLE,
        # CURL_CA_BUNDLE, else certifi's) are read once, as `requests` read them.
        ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or requests.certs.where()
        pool = {"num_pools": 4, "maxsize": max(16, self.concurrency), "retries": False, "ca_certs": ca_bundle}
        proxies = requests.utils.get_environ_proxies(self.base_url)
        proxy = proxies.get(self.base_url.split(":", 1)[0].lower()) or proxies.get("all")
        self.http = urllib3.ProxyManager(proxy, **pool) if proxy else urllib3.PoolManager(**pool)
        self.timeout = urllib3.Timeout(connect=connect_timeout, read=read_timeout)
        self.attempts = 0  # requests actually sent by this client, for figures and tests
        self._attempts_lock = threading.Lock()

    def __repr__(self):
        return f"<ChannelClient {self.channel} {self.base_url}>"

    # The breaker, as seen by every worker.
    def breaker_state(self) -> dict:
        return breaker_state(self.channel, store=self.state)

    def _failure(self) -> None:
        failures = self.state.record_failure(
            self.channel, self.breaker_threshold, time.time() + self.breaker_reset_seconds
        )
        if failures == self.breaker_threshold:
            logger.warning("channel %s: circuit opened after %s consecutive failures", self.channel, failures)

    def _admit(self) -> int:
        """Waits until the breaker lets a request through, the channel's Retry-After has elapsed
        and a token is free (one round trip to the shared state per check); returns the
        consecutive failures the breaker counted, so a success clears them only when there are any."""
        check_breaker = True
        while True:
            verdict, wait, failures = self.state.admit(
                self.channel, self.rate_per_second, self.burst, self.breaker_reset_seconds, check_breaker
            )
            if verdict == "open":
                raise ChannelUnavailable(
                    f"{self.channel} is unavailable (circuit open after {failures} failures).", channel=self.channel
                )
            if check_breaker and failures >= self.breaker_threshold:
                logger.info("channel %s: half-open probe", self.channel)
            if verdict == "go":
                return failures
            check_breaker = False  # admitted (or probing): only the wait remains
            if verdict == "not_before" and wait > self.max_wait_seconds:
                # Longer than a worker should sleep: the caller defers the work to after `retry_at`.
                error = ChannelUnavailable(
                    f"{self.channel} asked us to wait {wait:.0f} s (Retry-After).", channel=self.channel
                )
                error.retry_at = time.time() + wait
                raise error
            self.sleep(wait + 0.001 if verdict == "not_before" else wait)

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
    ) -> ChannelResponse:
        """The channel's response (2xx or a 4xx it chose to give); raises ChannelError on the rest.

        Retries 5xx, 429, timeouts and resets while attempts remain, but a POST/PATCH only when
        `idempotency_key` is given (sent in the channel's idempotency header).
        """
        method = method.upper()
        retriable = method in self.IDEMPOTENT_METHODS or bool(idempotency_key)
        send_headers = {"Accept-Encoding": "gzip, deflate", **self._headers, **(headers or {})}
        if idempotency_key:
            send_headers[self.idempotency_header] = idempotency_key
        body = None
        if json is not None:
            body = jsonlib.dumps(json, allow_nan=False).encode()
            send_headers["Content-Type"] = "application/json"
        url = f"{self.base_url}/{path.lstrip('/')}"  # never another host: base_url is the checked one
        if params:
            url = f"{url}?{urlencode(params, doseq=True)}"
        last_error: ChannelError | None = None
        for attempt in range(self.max_attempts):
            failures = self._admit()
            with self._attempts_lock:
                self.attempts += 1
            try:
                # A redirect could lead to a host base_url_check never saw (cloud metadata, say).
                answer = self.http.request(
                    method, url, body=body, headers=send_headers, timeout=self.timeout, redirect=False
                )
                response = ChannelResponse(answer.status, answer.headers, answer.data)
            except LOST as exc:
                self._failure()
                timed_out = isinstance(exc, urllib3.exceptions.TimeoutError) and not isinstance(
                    exc,
                    urllib3.exceptions.NewConnectionError,  # a refused connection, to urllib3 a kind of timeout
                )
                kind = "timed out" if timed_out else "lost its connection"
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
            if failures:
                self.state.record_success(self.channel)
            return response
        raise last_error or ChannelError(f"{self.channel}: no attempt made.", channel=self.channel, temporary=True)

    def body(self, response: ChannelResponse):
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

    def each(self, call: Callable, items: Iterable) -> list:
        """`call(item)` for every item, up to `concurrency` at a time (a channel that takes one
        listing per call is not kept waiting on one round trip at a time); the results in the items'
        order. The calls share the rate limit, the Retry-After and the breaker as any other."""
        items = list(items)
        if self.concurrency == 1 or len(items) < 3:
            return [call(item) for item in items]
        # The first goes alone: after an outage it is the breaker's one half-open probe, and its
        # success lets the rest through instead of their being refused while it is out.
        first = call(items[0])
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(items) - 1)) as pool:
            return [first, *pool.map(call, items[1:])]

    def close(self) -> None:
        self.http.clear()


def client_for(config, **overrides) -> ChannelClient:
    """A ChannelClient for a ChannelConfig, with the channel's limits from CHANNEL_LIMITS."""
    limits = {**settings.CHANNEL_LIMITS.get("default", {}), **settings.CHANNEL_LIMITS.get(config.code, {})}
    limits.update(overrides)
    return ChannelClient(config.code, base_url_check(config.base_url), **limits)
