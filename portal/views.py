from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from boroughs.models import Borough, Commission
from projects.caching import cached
from projects.exports import COLUMNS
from projects.models import FacetKeyCount, FundingSettlement, Project, Theme

from .shared_pages import SharedPageMixin

LATEST = 5


class HomeView(SharedPageMixin, TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        figures = cached("home-figures", {}, headline_figures)
        themes = list(Theme.objects.all())
        for theme in themes:
            theme.project_count = figures["per_theme"].get(theme.pk, 0)
        published = Project.objects.published()
        return super().get_context_data(
            project_count=figures["project_count"],
            authority_count=len(figures["per_borough"]),
            funding=figures["funding"],
            themes=themes,
            map_tiles=[
                {
                    "borough": b,
                    "value": figures["per_borough"].get(b.pk, 0),
                    "url": b.get_absolute_url(),
                }
                for b in Borough.objects.all()
            ],
            commissions=Commission.objects.select_related("lead_borough").order_by(
                "-established_on", "pk"
            )[:LATEST],
            latest_projects=published.select_related("lead_borough").order_by(
                "-published_at", "-pk"
            )[:LATEST],
            **kwargs,
        )


def headline_figures():
    """The home page's figures from published data: expensive, shared, cached until a change."""
    kept = FacetKeyCount.objects.within()
    return {
        "project_count": kept.total(),
        "per_borough": kept.per_row("borough"),
        "per_theme": kept.per_row("theme"),
        "funding": FundingSettlement.objects.summary(),
    }


class AboutDataView(TemplateView):
    template_name = "about_data.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            export_columns=[(column.name, column.description) for column in COLUMNS], **kwargs
        )


class AccessibilityView(TemplateView):
    template_name = "accessibility.html"


@never_cache
def health(request):
    """A constant answer through the whole stack, for load balancers (and the benchmark's
    measure of the framework's own cost)."""
    return HttpResponse("ok", content_type="text/plain")
