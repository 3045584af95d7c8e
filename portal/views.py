"""The site's pages that belong to no part of the catalogue: the accessibility statement, the
health check and the page for a form sent without its security token."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView


class AccessibilityView(TemplateView):
    template_name = "accessibility.html"


@never_cache
def health(request):
    """A constant answer through the whole stack, for load balancers (and the benchmark's
    measure of the framework's own cost)."""
    return HttpResponse("ok", content_type="text/plain")


def csrf_failure(request, reason=""):
    """A form sent without a valid security token (CSRF_FAILURE_VIEW): most often one left open
    past its session, or sent again from another tab. Said in the portal's own layout."""
    return render(request, "403_csrf.html", status=403)
