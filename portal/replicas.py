"""Read replicas: anonymous visitors' reads of the catalogue go to a streaming standby of the
primary (DATABASE_REPLICA_URLS), everything else to the primary.

A request is served from a replica when it is a GET (or HEAD) by a visitor who is not signed in
and has written nothing in the last REPLICA_STICKY_SECONDS: any request that is not a GET or
HEAD, or that writes, marks its visitor with a signed cookie for that long, so that whoever
makes a change (an officer who then signs out, say) sees it at once, however far behind the
replicas are. Officers and admins, writes, accounts and sessions, and migrations always use the
primary; so does everyone while the replica chosen does not answer.

One replica serves all of a request's reads, and the request reads the catalogue's version
before its data (projects.views.shared), so a page is built from data at least as new as the
version it is kept under: a replica that lags reads an older version, and its pages are kept
under that. A write during the request sends its later reads to the primary, which is never
behind the replica.
"""

import contextvars
import logging
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

# What replicas serve: the catalogue's apps. Sessions, accounts and the rest stay on the
# primary, as a visitor who signs in or resets a password must find what they just did.
CATALOGUE_APPS = {"boroughs", "projects"}
WROTE_COOKIE = "portal_wrote"
SAFE_METHODS = {"GET", "HEAD"}


@dataclass
class Reads:
    """Where the current request reads the catalogue from: a replica's alias, or None for the
    primary; and whether it wrote."""

    replica: str | None
    wrote: bool = False


# The current request's Reads; None outside a request (a command, a test): the primary.
current_reads = contextvars.ContextVar("current_reads", default=None)


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        reads = current_reads.get()
        if reads is not None and reads.replica and model._meta.app_label in CATALOGUE_APPS:
            return reads.replica
        # Not where a related row was read from (Django's default): an officer's name on a
        # project read from a replica is read from the primary, as all accounts are.
        return "default"

    def db_for_write(self, model, **hints):
        reads = current_reads.get()
        if reads is not None:
            reads.replica, reads.wrote = None, True
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Every database holds the same rows.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaMiddleware:
    """Chooses the database the request reads from, and marks a visitor who wrote."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        reads = Reads(self.replica_for(request))
        token = current_reads.set(reads)
        try:
            response = self.get_response(request)
        finally:
            current_reads.reset(token)
        if reads.replica and response.streaming and not response.is_async:
            response.streaming_content = streamed(response.streaming_content, reads)
        if reads.wrote or request.method not in SAFE_METHODS:
            response.set_signed_cookie(
                WROTE_COOKIE,
                "1",
                max_age=settings.REPLICA_STICKY_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def replica_for(self, request):
        """A replica for an anonymous visitor's GET who has not written lately; None for the
        primary."""
        if request.method not in SAFE_METHODS or request.user.is_authenticated:
            return None
        wrote = request.get_signed_cookie(
            WROTE_COOKIE, default=None, max_age=settings.REPLICA_STICKY_SECONDS
        )
        if wrote is not None:
            return None
        replica = random.choice(settings.REPLICA_DATABASES)
        return replica if answers(replica) else None


# The replicas that did not answer when last asked, so that an outage is logged once.
not_answering = set()


def answers(replica):
    """Whether the replica's connection is up (connecting now if need be, as its first query
    would); one that is down is logged, and its reads go to the primary meanwhile."""
    connection = connections[replica]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError as error:
        if replica not in not_answering:
            not_answering.add(replica)
            logger.error("Replica %s does not answer; reading from the primary: %s", replica, error)
        return False
    if replica in not_answering:
        not_answering.discard(replica)
        logger.warning("Replica %s answers again.", replica)
    return True


def streamed(pieces, reads):
    """A streaming response's pieces, each read as the request read (a download's rows from its
    replica), although the server asks for them after the request is answered."""
    pieces = iter(pieces)
    while True:
        token = current_reads.set(reads)
        try:
            piece = next(pieces, None)
        finally:
            current_reads.reset(token)
        if piece is None:
            return
        yield piece
