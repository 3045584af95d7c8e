"""Django's Redis cache, keeping one Redis client per server rather than making one per call,
and carrying on without Redis when it does not answer.

Django builds a new redis.Redis for every cache operation, and building one (with its table of
about 170 reply handlers) costs as much as the operation itself: a page served from the cache
makes two. A client is safe to share, as it takes a connection from its pool for each command.

While Redis does not answer, every read finds nothing and every write keeps nothing, so pages
are answered from the database; the outage is logged when it starts, not on every call.
"""

import logging
import time
from dataclasses import dataclass

from django.core.cache.backends import redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        if pool not in self._clients:
            self._clients[pool] = self._client(connection_pool=pool)
        return self._clients[pool]


# After Redis fails to answer, how long the cache goes without it before trying it again.
RETRY_SECONDS = 5.0


def without_redis(fallback):
    """A cache method that answers `fallback(*arguments)` while Redis does not answer, and
    for RETRY_SECONDS after, rather than waiting for it on every call."""

    def wrap(method):
        def answered(self, *args, **kwargs):
            outage = RedisCache.outage
            if outage.down and time.monotonic() < outage.retry_at:
                return fallback(*args, **kwargs)
            try:
                value = method(self, *args, **kwargs)
            except RedisError as error:
                if not outage.down:
                    logger.error(
                        "The cache (Redis) does not answer; going on without it: %s", error
                    )
                outage.down, outage.retry_at = True, time.monotonic() + RETRY_SECONDS
                return fallback(*args, **kwargs)
            if outage.down:
                logger.warning("The cache (Redis) answers again.")
                outage.down = False
            return value

        answered.__name__ = method.__name__
        return answered

    return wrap


@dataclass
class Outage:
    """Whether Redis is down, for every thread of the process, and when to try it again."""

    down: bool = False
    retry_at: float = 0.0


def nothing(*args, **kwargs):
    return None


def not_done(*args, **kwargs):
    return False


def default_value(key, default=None, *args, **kwargs):
    return default


def no_such_key(key, *args, **kwargs):
    raise ValueError(f"Key {key!r} not found: the cache does not answer")


def every_key(data, *args, **kwargs):
    return list(data)


def no_values(*args, **kwargs):
    return {}


class RedisCache(redis.RedisCache):
    outage = Outage()

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    get = without_redis(default_value)(redis.RedisCache.get)
    set = without_redis(nothing)(redis.RedisCache.set)
    add = without_redis(not_done)(redis.RedisCache.add)
    touch = without_redis(not_done)(redis.RedisCache.touch)
    delete = without_redis(not_done)(redis.RedisCache.delete)
    has_key = without_redis(not_done)(redis.RedisCache.has_key)
    get_many = without_redis(no_values)(redis.RedisCache.get_many)
    set_many = without_redis(every_key)(redis.RedisCache.set_many)
    delete_many = without_redis(nothing)(redis.RedisCache.delete_many)
    clear = without_redis(not_done)(redis.RedisCache.clear)

    incr = without_redis(no_such_key)(redis.RedisCache.incr)
