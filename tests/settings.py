"""Test settings: the production shape (PostgreSQL, Redis) on loopback, overriding only what tests need."""

import os

from config.settings import *  # noqa: F403
from config.settings import env

# Each xdist worker gets its own database (pytest-django) and its own Redis database, since the
# cache is cleared between tests and Redis clears a whole database at once.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_redis_db = 1 + int(_worker.removeprefix("gw") or 0) % 14
_redis = env("TEST_REDIS_URL", default="redis://127.0.0.1:6379")

DATABASES = {"default": env.db("TEST_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/platform")}
DATABASES["default"]["TEST"] = {"NAME": f"test_platform_{_worker}"}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"{_redis}/{_redis_db}",
    }
}
CELERY_BROKER_URL = f"{_redis}/15"
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "global_keyprefix": f"test-{_worker}-"}
CELERY_TASK_ALWAYS_EAGER = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DEBUG = False
LOG_FORMAT = "text"
LOGGING["handlers"]["console"]["formatter"] = "text"  # noqa: F405
STORAGES = {  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
