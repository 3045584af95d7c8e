"""The site's pages that belong to no part of the catalogue: the accessibility statement, the
health checks, what robots may crawl, and the page for a form sent without its security
token."""

import logging
import uuid

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView
from redis.exceptions import RedisError


class AccessibilityView(TemplateView):
    template_name = "accessibility.html"


class RobotsView(TemplateView):
    """What crawlers may read (robots.txt), and where the sitemap of every public page is."""

    template_name = "robots.txt"
    content_type = "text/plain; charset=utf-8"

    def get_context_data(self, **kwargs):
        sitemap = self.request.build_absolute_uri(reverse("sitemap"))
        return super().get_context_data(sitemap=sitemap, **kwargs)


logger = logging.getLogger(__name__)


@never_cache
def health(request):
    """Liveness: a constant answer through the whole stack, whatever the services behind it (and
    the benchmark's measure of the framework's own cost)."""
    return HttpResponse("ok", content_type="text/plain")


def database_answers():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def cache_answers():
    key, value = "readiness", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    return cache.get(key) == value


@never_cache
def readiness(request):
    """Readiness, for load balancers: 200 when the database and the cache both answer, 503
    naming each that does not."""
    down = []
    for name, answers in (("database", database_answers), ("cache", cache_answers)):
        try:
            if not answers():
                down.append(name)
        except (DatabaseError, RedisError, OSError) as error:
            logger.warning("Readiness: the %s does not answer: %s", name, error)
            down.append(name)
    if down:
        return HttpResponse(
            f"not ready: {', '.join(down)} down", content_type="text/plain", status=503
        )
    return HttpResponse("ok", content_type="text/plain")


def csrf_failure(request, reason=""):
    """A form sent without a valid security token (CSRF_FAILURE_VIEW): most often one left open
    past its session, or sent again from another tab. Said in the portal's own layout."""
    return render(request, "403_csrf.html", status=403)
