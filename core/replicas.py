"""Read replicas (docs/decisions/0011-read-replicas.md), installed when DATABASE_REPLICA_URLS is set.

A request with a safe method (GET, HEAD, OPTIONS) reads from one streaming replica: storefront
pages and every selector behind the API's and the admin's reads. Everything else uses the primary:
writes, reads inside a transaction (services lock and read there), Celery tasks and commands
(no request), and every request of a client that wrote within DATABASE_REPLICA_MAX_LAG_SECONDS,
so a client reads its own writes. A client is its Authorization header when it sends one, else its
address (X-Forwarded-For as the proxy sets it, else REMOTE_ADDR); the "wrote recently" mark lives
in the cache (Redis), shared by every web process.

The first replica read of a request checks one replica, in random order: a replica that does not
answer is skipped for RETRY_SECONDS (by this process), one further behind than the bound is skipped
for this request; with none left the request reads from the primary. No error reaches the client.
"""

import contextvars
import hashlib
import logging
import math
import random
import time

from django.conf import settings
from django.core.cache import cache
from django.db import Error, connections

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
# Seconds of primary commits the replica has not replayed; 0 when it has replayed all it received
# (an idle primary sends nothing, and that is no lag). Not a standby (promoted): no lag either.
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
END
"""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_down_until: dict[str, float] = {}


class _ReplicaReads:
    """The current request's replica, picked on its first read."""

    alias: str | None = None


_request_reads: contextvars.ContextVar[_ReplicaReads | None] = contextvars.ContextVar("replica_reads", default=None)


def replica_lag(alias: str) -> float | None:
    """Seconds the replica is behind (LAG_SQL); None when it cannot tell."""
    with connections[alias].cursor() as cursor:
        cursor.execute(LAG_SQL)
        lag = cursor.fetchone()[0]
    return None if lag is None else float(lag)


def replica_pick() -> str:
    """A replica that answers and is within the lag bound, else the primary ("default")."""
    now = time.monotonic()
    replicas = [alias for alias in settings.DATABASE_REPLICAS if _down_until.get(alias, 0) <= now]
    for alias in random.sample(replicas, len(replicas)):
        try:
            lag = replica_lag(alias)
        except Error as error:  # refused, timed out, or a connection that died (InterfaceError)
            logger.warning("replica %s unavailable, reading from the primary: %s", alias, error)
            _down_until[alias] = now + RETRY_SECONDS
            connections[alias].close()
            continue
        if lag is not None and lag <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS:
            return alias
        logger.info("replica %s is %s s behind, reading from the primary", alias, lag)
    return "default"


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        reads = _request_reads.get()
        if reads is None or connections["default"].in_atomic_block:
            return None
        if reads.alias is None:
            reads.alias = replica_pick()
        return reads.alias

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # replicas are copies of the primary: every object lives in one database

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"  # replicas get the schema by replication


def _client_key(request) -> str:
    client = (
        request.headers.get("Authorization")
        or request.META.get("HTTP_X_FORWARDED_FOR")
        or request.META.get("REMOTE_ADDR", "")
    )
    return "db-primary:" + hashlib.sha256(client.encode()).hexdigest()


class ReplicaMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        key = _client_key(request)
        if request.method not in SAFE_METHODS:
            return self._marking_writes(request, key)
        try:
            wrote_recently = cache.get(key) is not None
        except Exception as error:  # noqa: BLE001 - without the mark, the primary is the safe answer
            logger.warning("cache unavailable, reading from the primary: %s", error)
            wrote_recently = True
        if wrote_recently:
            return self.get_response(request)
        token = _request_reads.set(_ReplicaReads())
        try:
            return self.get_response(request)
        finally:
            _request_reads.reset(token)

    def _marking_writes(self, request, key):
        try:
            return self.get_response(request)
        finally:
            # After the response, so the write has committed; the mark outlives the lag bound.
            try:
                cache.set(key, 1, timeout=math.ceil(settings.DATABASE_REPLICA_MAX_LAG_SECONDS) + 1)
            except Exception as error:  # noqa: BLE001
                logger.warning("cache unavailable, cannot keep %s on the primary: %s", request.path, error)
