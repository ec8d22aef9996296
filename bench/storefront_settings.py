"""Settings of the gunicorn that bench/storefront.py starts: the project's own settings (read from
the environment the bench sets), with the URLconf that adds the baseline view and the bench's own
cache key prefix (so the bench can empty its keys without flushing a Redis database others use)."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.storefront_urls"
CACHES["default"]["KEY_PREFIX"] = "bench-storefront"  # noqa: F405
