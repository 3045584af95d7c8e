"""Django's Redis cache, keeping one Redis client per server rather than making one per call.

Django builds a new redis.Redis for every cache operation, and building one (with its table of
about 170 reply handlers) costs as much as the operation itself: a page served from the cache
makes two. A client is safe to share, as it takes a connection from its pool for each command.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        if pool not in self._clients:
            self._clients[pool] = self._client(connection_pool=pool)
        return self._clients[pool]


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
