"""The Redis cache keeps one client per connection pool (core.cache), and production settings
choose it for a rediscache:// URL."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from django.core.cache import cache

from tests.core.test_deploy import ROOT, production_env


def test_the_cache_reuses_one_client_and_still_reads_what_it_wrote():
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client

    cache.set("core-cache-probe", {"n": 1}, 30)
    assert cache.get("core-cache-probe") == {"n": 1}
    assert cache._cache.get_client() is client


def test_threads_share_the_client_without_mixing_answers():
    cache.set_many({f"core-cache-{i}": i for i in range(40)}, 30)
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda i: cache.get(f"core-cache-{i}"), range(40)))
    assert answers == list(range(40))
    assert len(cache._cache.clients) == 1


def test_production_settings_use_it_for_a_redis_cache_url(tmp_path):
    result = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", "from django.conf import settings; print(settings.CACHES['default']['BACKEND'])"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "core.cache.RedisCache", result.stderr
