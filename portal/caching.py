"""Caching what is expensive and the same for everyone (counts, headline figures, pages) until
the catalogue changes.

Every value's key carries the version of the catalogue it was computed at, which the caller
read before anything else (projects.models.CatalogueVersion: the database moves it on as each
change that the public sees commits), so a change is seen at once and old entries simply
expire. The cache is Django's: Redis in production (REDIS_URL, given a memory limit with an LRU
policy), local memory by default.
"""

import hashlib
import json

from django.conf import settings
from django.core.cache import cache

TIMEOUT = 60 * 60 * 6


def cache_key(name, parameters, version):
    digest = hashlib.sha1(
        json.dumps(parameters, sort_keys=True, default=str).encode(), usedforsecurity=False
    ).hexdigest()
    return f"catalogue:{settings.CACHE_RELEASE}:{version}:{name}:{digest}"


def in_cache(name, parameters, version):
    """The value kept for this name, these parameters and `version`, or None."""
    return cache.get(cache_key(name, parameters, version))


def cached(name, parameters, compute, version, keep=None):
    """compute(), or its value from the cache for this name, these parameters (plain values)
    and `version` of the catalogue. A value that `keep(value)` says no to is not kept."""
    key = cache_key(name, parameters, version)
    value = cache.get(key)
    if value is None:
        value = compute()
        if keep is None or keep(value):
            cache.set(key, value, timeout=TIMEOUT)
    return value


# The last value of each name held in this process, with its version: for small values that
# nearly every request reads (the facets' slugs), which saves a round trip to the cache.
held = {}


def held_in_process(name, compute, version):
    """cached(name, {}, compute, version), held in this process until the version moves on."""
    kept = held.get(name)
    if kept is None or kept[0] != version:
        kept = held[name] = (version, cached(name, {}, compute, version))
    return kept[1]
