"""Test settings: the production shape (PostgreSQL, Redis) on loopback, overriding only what tests need."""

import os

from config.settings import *  # noqa: F403
from config.settings import env

# Each test process (an xdist worker, or a second run beside the first) gets its own database
# and, as far as Redis' 16 allow, its own Redis database: the cache is cleared between tests and
# Redis clears a whole database at once. Databases 1-11 are the tests' caches (12, 13 and 14 are
# `make load`'s, `make faults'` and `make replica-test`'s, 0 the channel state, 15 the broker under a per-run prefix);
# xdist workers take distinct ones (gw0 -> 1, gw1 -> 2), a run without xdist one by its pid.
# Inherited by the Celery worker processes tests start, so they share this process' queues and cache.
_run_id = os.environ.setdefault("TEST_RUN_ID", str(os.getpid()))
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_redis_db = 1 + (int(_worker[2:]) if _worker.startswith("gw") else os.getpid()) % 11
_redis = env("TEST_REDIS_URL", default="redis://127.0.0.1:6379")

DATABASES = {"default": env.db("TEST_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/platform")}
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":  # SQLite (`sqlite://`): in memory
    DATABASES["default"]["TEST"] = {"NAME": f"test_platform_{os.getpid()}"}
    DATABASES["default"]["OPTIONS"] = {"prepare_threshold": PREPARE_THRESHOLD}  # noqa: F405 - as in production
CACHES = {
    "default": {
        "BACKEND": "core.cache.RedisCache",
        "LOCATION": f"{_redis}/{_redis_db}",
    }
}
CELERY_BROKER_URL = f"{_redis}/15"
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "global_keyprefix": f"test-{_run_id}-"}
if _visibility := env.int("TEST_BROKER_VISIBILITY_TIMEOUT", default=0):
    # A worker a test starts with this set takes back a dead worker's unacknowledged task after
    # that many seconds (production: an hour), sweeping every second: Redis redelivery, sooner.
    CELERY_BROKER_TRANSPORT_OPTIONS |= {
        "visibility_timeout": _visibility,
        "unacked_restore_interval": 1,
        "unacked_restore_throttle": 1,
    }
CELERY_TASK_ALWAYS_EAGER = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False
LOG_FORMAT = "text"
LOGGING["handlers"]["console"]["formatter"] = "text"  # noqa: F405
STORAGES = {  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "public": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

# Syndication: channel state (breaker, Retry-After, rate buckets) in Redis database 0, which no
# test flushes, under a prefix of this run and xdist worker (inherited by the Celery workers a
# test starts, so they share it); the channel_simulator fixture clears it before each test.
CHANNEL_STATE_URL = f"{_redis}/0"
CHANNEL_STATE_PREFIX = f"test-{_run_id}-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-channel"
CHANNEL_ALLOW_PRIVATE_URLS = True
# Operators' second factor is off for the bulk of tests (force_login, api.as_user); the tests of
# the second factor turn it on (tests/core/test_otp.py).
OPERATOR_OTP_REQUIRED = False
