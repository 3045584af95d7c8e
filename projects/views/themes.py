"""The public pages about themes: every theme with its published projects, and one theme's
projects by authority and kind of funder, with the commissions' recommendations on it."""

from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from boroughs.models import Borough, Recommendation
from portal.money import ZERO
from portal.querystrings import link

from ..facet_index import current_index
from ..models import Project, Theme
from .shared import SharedPageMixin

LATEST_PROJECTS = 5


class ThemeListView(SharedPageMixin, TemplateView):
    """Every theme with its number of published projects: the publication's five first."""

    template_name = "projects/theme_list.html"

    def get_context_data(self, **kwargs):
        counts = current_index(version=self.catalogue_version).count_per("theme")
        themes = Theme.objects.order_by("-is_core", "position", "name", "pk")
        return super().get_context_data(
            themes=[{"theme": theme, "projects": counts.get(theme.pk, 0)} for theme in themes],
            **kwargs,
        )


class ThemeDetailView(SharedPageMixin, TemplateView):
    """One theme: where its published projects are, who pays for them, which commissions
    recommended work on it, and the latest projects."""

    template_name = "projects/theme_detail.html"

    def get_context_data(self, **kwargs):
        theme = get_object_or_404(Theme, slug=self.kwargs["slug"])
        projects = Project.objects.published().with_theme(theme)
        index = current_index(version=self.catalogue_version)
        per_borough = index.count_per("borough", within=("theme", [theme]))
        boroughs = [
            {
                "borough": borough,
                "projects": per_borough.get(borough.pk, 0),
                "url": link("projects:list", theme=theme.slug, borough=borough.slug),
            }
            for borough in Borough.objects.all()
        ]
        funding = projects.funding_by_funder_kind()
        return super().get_context_data(
            theme=theme,
            project_count=len(index.holding("theme", [theme])),
            projects_url=link("projects:list", theme=theme.slug),
            by_borough=sorted(
                (row for row in boroughs if row["projects"]),
                key=lambda row: (-row["projects"], row["borough"].name),
            ),
            borough_tiles=[
                {"borough": row["borough"], "value": row["projects"], "url": row["url"]}
                for row in boroughs
            ],
            funding=funding,
            funding_total=sum((row["total"] for row in funding), ZERO),
            funding_bars=[
                {
                    "label": row["label"],
                    "value": row["total"],
                    "url": link("projects:list", theme=theme.slug, funder_kind=row["kind"]),
                }
                for row in funding
            ],
            recommendations=Recommendation.objects.filter(themes=theme)
            .select_related("commission__lead_borough")
            .order_by("commission__title", "commission__pk", "number"),
            latest_projects=projects.select_related("lead_borough").order_by(
                "-published_at", "-pk"
            )[:LATEST_PROJECTS],
            **kwargs,
        )
