"""The public pages of commissions: every commission, filtered, and each with its
recommendations and the published projects that address them in any borough."""

from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from boroughs.filters import COMMISSIONS_PER_PAGE, CommissionFilterSet
from boroughs.models import Commission
from portal.caching import cached
from portal.lists import FilteredListView

from ..models import (
    recommendations_with_published_projects,
    with_published_project_count,
    with_published_projects,
)
from .shared import SharedPageMixin

# A recommendation can be addressed by thousands of projects: show the newest, link to the rest.
PROJECTS_SHOWN = 8


class CommissionListView(FilteredListView):
    """Every commission, filtered by kind, status, borough and cross-party support."""

    template_name = "boroughs/commission_list.html"
    filterset_class = CommissionFilterSet
    paginate_by = COMMISSIONS_PER_PAGE

    def get_queryset(self):
        return with_published_project_count(
            Commission.objects.with_recommendation_count()
            .select_related("lead_borough")
            .prefetch_related("partner_boroughs")
        )


class CommissionDetailView(SharedPageMixin, TemplateView):
    """A commission, each recommendation with the published projects that address it in any
    borough, and the published projects that follow from it."""

    template_name = "boroughs/commission_detail.html"

    def get_context_data(self, **kwargs):
        slug = self.kwargs["slug"]

        def compute():
            commissions = with_published_project_count(
                Commission.objects.select_related("lead_borough")
                .prefetch_related("partner_boroughs")
                .with_recommendation_count()
            )
            commission = get_object_or_404(
                with_published_projects(commissions, limit=PROJECTS_SHOWN), slug=slug
            )
            recommendations = recommendations_with_published_projects(
                commission.recommendations.all(), commission.boroughs, limit=PROJECTS_SHOWN
            )
            return {"commission": commission, "recommendations": list(recommendations)}

        # The same for everyone and costly to gather: kept until the catalogue changes.
        return super().get_context_data(
            **cached("commission-page", {"slug": slug}, compute, self.catalogue_version), **kwargs
        )
