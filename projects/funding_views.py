"""The public pages about money and themes: funders, funding settlements and themes.

Every count of projects starts from Project.objects.published(); a settlement's own totals are
public, but only its published projects are listed. Each page runs a fixed number of queries.
"""

from urllib.parse import urlencode

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import TemplateView

from boroughs.models import Borough, Recommendation
from portal.pagination import page_links, paginate
from portal.shared_pages import SharedPageMixin

from .funding_filters import SETTLEMENTS_PER_PAGE, FunderFilterSet, SettlementFilterSet
from .models import ZERO, FacetKeyCount, Funder, FundingSettlement, Project, Theme

LATEST_SETTLEMENTS = 10
LATEST_PROJECTS = 5


def link(name, *args, **query):
    """The URL of a named page, with a query string of readable values."""
    url = reverse(name, args=args)
    return f"{url}?{urlencode(query)}" if query else url


def share(part, whole):
    """part as a share of whole, from 0 to 1; None when the whole is nothing."""
    return part / whole if whole else None


class FilteredListView(TemplateView):
    """A list that a FilterSet filters and sorts. Invalid values show in the form's error
    summary with status 400, never as a server error."""

    filterset_class = None

    def get_queryset(self):
        raise NotImplementedError

    def get_results(self, filterset):
        """The context for a valid filter."""
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        filterset = self.filterset_class(request.GET, queryset=self.get_queryset())
        valid = filterset.is_valid()
        context = {
            "filterset": filterset,
            "form": filterset.form,
            "applied": filterset.applied_filters(),
            "clear_url": request.path,
        }
        if not valid:
            return self.render_to_response(self.get_context_data(**context), status=400)
        context.update(self.get_results(filterset))
        return self.render_to_response(self.get_context_data(**context))


class FunderListView(FilteredListView):
    """Every funder with what it settled on London's authorities, and how."""

    template_name = "projects/funder_list.html"
    filterset_class = FunderFilterSet

    def get_queryset(self):
        return FundingSettlement.objects.by_funder()

    def get_results(self, filterset):
        funders = filterset.qs
        return {
            "funders": funders,
            "headers": filterset.sort_headers(),
            "funding": FundingSettlement.objects.filter(funder__in=funders.values("pk")).summary(),
        }


class FunderDetailView(SharedPageMixin, TemplateView):
    """What one funder funds where, when, how restricted, and on which themes."""

    template_name = "projects/funder_detail.html"

    def get_context_data(self, **kwargs):
        funder = get_object_or_404(Funder, slug=self.kwargs["slug"])
        settlements = FundingSettlement.objects.filter(funder=funder)
        by_recipient = settlements.by_recipient()
        by_year = settlements.by_year()
        funded_projects = Project.objects.published().funded_by(settlements)
        theme_counts = funded_projects.count_by_theme()
        themes = [
            {
                "theme": theme,
                "projects": theme_counts[theme.pk],
                "url": link("projects:list", funder=funder.slug, theme=theme.slug),
            }
            for theme in Theme.objects.all()
            if theme.pk in theme_counts
        ]
        return super().get_context_data(
            funder=funder,
            funding=settlements.summary(),
            by_recipient=sorted(
                (row for row in by_recipient if row["settlements"]),
                key=lambda row: (-row["total"], row["borough"].name),
            ),
            recipient_tiles=[
                {
                    "borough": row["borough"],
                    "value": row["total"],
                    "url": link(
                        "projects:settlements", funder=funder.slug, recipient=row["borough"].slug
                    ),
                }
                for row in by_recipient
            ],
            by_year=by_year,
            year_columns=[{"label": row["label"], "value": row["total"]} for row in by_year],
            by_restrictions=settlements.by_restrictions(),
            latest_settlements=settlements.select_related("recipient").order_by(
                "-first_year", "-awarded_on", "-pk"
            )[:LATEST_SETTLEMENTS],
            settlements_url=link("projects:settlements", funder=funder.slug),
            project_count=funded_projects.count(),
            projects_url=link("projects:list", funder=funder.slug),
            themes=sorted(themes, key=lambda row: -row["projects"]),
            **kwargs,
        )


class SettlementListView(FilteredListView):
    """Funding settlements, filtered, with the totals of the filtered set, 25 to a page."""

    template_name = "projects/settlement_list.html"
    filterset_class = SettlementFilterSet

    def get_queryset(self):
        return FundingSettlement.objects.select_related("funder", "recipient")

    def get_results(self, filterset):
        page, corrected = paginate(
            filterset.qs, number=filterset.page_number, per_page=SETTLEMENTS_PER_PAGE
        )
        return {
            "page_obj": page,
            "page_links": page_links(page.number, page.paginator.num_pages),
            "corrected_page": corrected,
            "funding": filterset.qs.summary(),
        }


class SettlementDetailView(SharedPageMixin, TemplateView):
    """One settlement: its facts, its yearly profile and the published projects it pays for."""

    template_name = "projects/settlement_detail.html"

    def get_context_data(self, **kwargs):
        settlement = get_object_or_404(
            FundingSettlement.objects.select_related("funder", "recipient"), pk=self.kwargs["pk"]
        )
        by_year = FundingSettlement.objects.filter(pk=settlement.pk).by_year()
        lines = list(
            settlement.project_fundings.filter(project__in=Project.objects.published())
            .select_related("project__lead_borough")
            .order_by("-amount", "project__title", "pk")
        )
        for line in lines:
            line.share = share(line.amount, settlement.total_amount)
        allocated = sum((line.amount for line in lines), ZERO)
        return super().get_context_data(
            settlement=settlement,
            by_year=by_year,
            year_columns=[{"label": row["label"], "value": row["total"]} for row in by_year],
            fundings=lines,
            allocated=allocated,
            allocated_share=share(allocated, settlement.total_amount),
            unallocated=settlement.total_amount - allocated,
            **kwargs,
        )


class ThemeListView(SharedPageMixin, TemplateView):
    """Every theme with its number of published projects: the publication's five first."""

    template_name = "projects/theme_list.html"

    def get_context_data(self, **kwargs):
        counts = FacetKeyCount.objects.within().per_row("theme")
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
        per_borough = projects.count_by_borough()
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
            project_count=projects.count(),
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
