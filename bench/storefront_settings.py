"""Settings of the gunicorn that bench/storefront.py starts: the project's own settings (read from
the environment the bench sets), with the URLconf that adds the baseline view."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.storefront_urls"
