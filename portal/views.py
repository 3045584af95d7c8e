"""The site's pages that belong to no part of the catalogue: the accessibility statement and the
health check."""

from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView


class AccessibilityView(TemplateView):
    template_name = "accessibility.html"


@never_cache
def health(request):
    """A constant answer through the whole stack, for load balancers (and the benchmark's
    measure of the framework's own cost)."""
    return HttpResponse("ok", content_type="text/plain")
