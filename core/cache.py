"""Django's Redis cache, keeping one client per connection pool.

Django builds a new `redis.Redis` on every cache call (`RedisCacheClient.get_client`), and its
constructor registers some 170 response callbacks: on a cached storefront read (two cache calls)
that cost about as much as the two round trips. A client is safe to share between threads (each
command takes a connection from the pool) and its pool reconnects after a fork."""

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self.clients.get(pool)
        if client is None:
            client = self.clients.setdefault(pool, self._client(connection_pool=pool))
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
