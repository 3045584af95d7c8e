"""The home page, with the catalogue's headline figures, and the page about its data."""

from django.conf import settings
from django.views.generic import TemplateView

from boroughs.models import Borough, Commission
from portal.caching import cached

from .. import download_docs
from ..facet_index import current_index
from ..models import FundingSettlement, Project, Theme
from .authorities import yearly_funding
from .shared import SharedPageMixin

LATEST = 5


class HomeView(SharedPageMixin, TemplateView):
    """Headline figures, entry points by theme, borough and commission, the latest projects."""

    template_name = "home.html"

    def get_context_data(self, **kwargs):
        version = self.catalogue_version
        figures = cached("home-figures", {}, lambda: headline_figures(version), version)
        themes = list(Theme.objects.all())
        for theme in themes:
            theme.project_count = figures["per_theme"].get(theme.pk, 0)
        published = Project.objects.published()
        return super().get_context_data(
            project_count=figures["project_count"],
            authority_count=len(figures["per_borough"]),
            funding=figures["funding"],
            **yearly_funding(figures["by_year"]),
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


def headline_figures(version):
    """The home page's figures from published data: expensive, shared, cached until a change."""
    index = current_index(version=version)
    return {
        "project_count": len(index.published),
        "per_borough": index.count_per("borough"),
        "per_theme": index.count_per("theme"),
        "funding": FundingSettlement.objects.summary(),
        "by_year": FundingSettlement.objects.by_year(),
    }


class AboutDataView(TemplateView):
    """Definitions, and each download: its formats, columns, licence and an example."""

    template_name = "about_data.html"

    def get_context_data(self, **kwargs):
        described = download_docs.documented(self.request)
        return super().get_context_data(
            downloads=described,
            dataset_metadata=download_docs.dataset_metadata(self.request, described),
            licence=settings.OPEN_DATA_LICENCE,
            grant_example=download_docs.grant_example(),
            threesixtygiving_prefix=settings.THREESIXTYGIVING_PREFIX,
            **kwargs,
        )
