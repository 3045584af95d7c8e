"""How many downloads stream at once: at most DOWNLOADS_PER_CLIENT from one client address and
DOWNLOADS_AT_ONCE in all, counted in the shared cache, so that a crowd of downloads cannot take
every worker's threads and the database's time from the pages.

A download holds its places from the moment it is answered until its stream ends, however it
ends (finished, failed or abandoned by the client): the server closes the response, and closing
gives them back. Places a crashed worker never gave back expire after HELD_AT_MOST seconds.
"""

import contextlib

from django.conf import settings
from django.core.cache import cache

from .clients import client_address

HELD_AT_MOST = 15 * 60
# How long a refused client is told to wait before trying again, in seconds.
RETRY_AFTER = 30


class TooManyDownloads(Exception):
    """No place is free: the client's own, or everyone's."""


class DownloadPlaces:
    """The places a download holds (one of the client's, one of everyone's), given back once."""

    def __init__(self, request):
        self.keys = []
        limits = {
            "downloads:all": settings.DOWNLOADS_AT_ONCE,
            f"downloads:client:{client_address(request)}": settings.DOWNLOADS_PER_CLIENT,
        }
        for key, limit in limits.items():
            cache.add(key, 0, timeout=HELD_AT_MOST)
            try:
                held = cache.incr(key)
            except ValueError:  # expired between the two: start again
                cache.add(key, 1, timeout=HELD_AT_MOST)
                held = 1
            self.keys.append(key)
            if held > limit:
                self.give_back()
                raise TooManyDownloads

    def give_back(self):
        for key in self.keys:
            with contextlib.suppress(ValueError):  # already expired
                cache.decr(key)
        self.keys = []


class HeldWhileStreaming:
    """A download's stream, which gives its places back when the server closes it."""

    def __init__(self, stream, places):
        self.stream = stream
        self.places = places

    def __iter__(self):
        return iter(self.stream)

    def close(self):
        try:
            close = getattr(self.stream, "close", None)
            if close is not None:
                close()
        finally:
            self.places.give_back()
