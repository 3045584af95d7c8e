"""Caching what is expensive and shared (facet counts, headline figures) until the catalogue
changes.

Every cached value's key carries the catalogue's version, a number that any saved or deleted
project, settlement, funder, commission or taxonomy term moves on (projects/signals.py), so a
change is seen at once and old entries simply expire. The cache is Django's: Redis in production
(REDIS_URL), local memory by default.
"""

import hashlib
import json
import time

from django.core.cache import cache

VERSION_KEY = "catalogue:version"
TIMEOUT = 60 * 60 * 6


def catalogue_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        # A fresh or emptied cache starts a new series, never one that old entries used.
        version = time.time_ns()
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY, version)
    return version


def catalogue_changed():
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def cached(name, parameters, compute, version=None):
    """compute(), or its value from the cache for this name, these parameters and the current
    catalogue (`version`, when the caller has already read it)."""
    digest = hashlib.sha1(
        json.dumps(parameters, sort_keys=True, default=str).encode(), usedforsecurity=False
    ).hexdigest()
    key = f"catalogue:{version or catalogue_version()}:{name}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=TIMEOUT)
    return value
