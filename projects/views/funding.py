"""The public pages about money: funders and the funding settlements they make, and the
settlements list's downloads (CSV, JSON, XLSX and 360Giving).

A settlement's own totals are public, but only its published projects are listed; every count of
projects starts from Project.objects.published(). Each page runs a fixed number of queries.
"""

from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from portal.lists import FilteredListView
from portal.money import ZERO
from portal.open_data import XLSX_CONTENT_TYPE, About, download
from portal.querystrings import link

from .. import settlement_exports
from ..facet_index import current_index
from ..filters.funding import (
    FUNDERS_TABLE,
    SETTLEMENTS_PER_PAGE,
    FunderFilterSet,
    SettlementFilterSet,
)
from ..models import Funder, FundingSettlement, Project, Theme
from .shared import SharedPageMixin

LATEST_SETTLEMENTS = 10


def share(part, whole):
    """part as a share of whole, from 0 to 1; None when the whole is nothing."""
    return part / whole if whole else None


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
            "headings": FUNDERS_TABLE.headings(filterset.sort, self.request.GET),
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
        index = current_index(version=self.catalogue_version)
        theme_counts = index.count_per("theme", within=("funder", [funder]))
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
            project_count=len(index.holding("funder", [funder])),
            projects_url=link("projects:list", funder=funder.slug),
            themes=sorted(themes, key=lambda row: -row["projects"]),
            **kwargs,
        )


class SettlementListView(FilteredListView):
    """Funding settlements, filtered, with the totals of the filtered set, 25 to a page."""

    template_name = "projects/settlement_list.html"
    filterset_class = SettlementFilterSet
    paginate_by = SETTLEMENTS_PER_PAGE

    def get_queryset(self):
        return FundingSettlement.objects.select_related("funder", "recipient")

    def get_results(self, filterset):
        return {
            **super().get_results(filterset),
            "funding": filterset.qs.summary(),
            "export_query": filterset.query_without(),
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


class SettlementExportView(View):
    """The filtered list of settlements as a streamed download (as the projects', see
    ProjectExportView); bad filters get the list's page with its error summary (400)."""

    content_type = ""
    extension = ""
    title = "Funding settlements for social integration in London"
    stem = "london-integration-settlements"

    def get(self, request, *args, **kwargs):
        filterset = SettlementFilterSet(
            request.GET, queryset=FundingSettlement.objects.all(), request=request
        )
        if not filterset.is_valid():
            return SettlementListView.as_view()(request)
        about = About.of(request, title=self.title, list_url=reverse("projects:settlements"))
        refusal = self.refusal(request, filterset.qs)
        if refusal is not None:
            return refusal
        return download(
            request,
            lambda: self.stream(filterset.qs, about),
            about=about,
            stem=self.stem,
            extension=self.extension,
            content_type=self.content_type,
            busy_template="projects/downloads_busy.html",
            list_name="settlements",
        )

    def refusal(self, request, settlements):
        return None

    def urls(self):
        return {
            "settlements": self.request.build_absolute_uri(reverse("projects:settlements")),
            "projects": self.request.build_absolute_uri(reverse("projects:list")),
        }


class SettlementCSVExportView(SettlementExportView):
    content_type = "text/csv; charset=utf-8"
    extension = "csv"

    def stream(self, settlements, about):
        return settlement_exports.csv_lines(settlements, self.urls()["settlements"])


class SettlementJSONExportView(SettlementExportView):
    content_type = "application/json"
    extension = "json"

    def stream(self, settlements, about):
        meta = {
            **about.as_json(),
            "columns": {c.name: c.description for c in settlement_exports.COLUMNS},
        }
        return settlement_exports.json_chunks(settlements, self.urls()["settlements"], meta)


class SettlementXLSXExportView(SettlementExportView):
    content_type = XLSX_CONTENT_TYPE
    extension = "xlsx"

    def stream(self, settlements, about):
        return settlement_exports.xlsx_pieces_of(settlements, self.urls()["settlements"], about)


class Settlement360GivingView(SettlementExportView):
    """The settlements as a 360Giving Data Standard package of grants."""

    content_type = "application/json"
    extension = "json"
    stem = "london-integration-settlements-360giving"

    def refusal(self, request, settlements):
        # The standard's package holds at least one grant: no file rather than an invalid one.
        if not settlements.exists():
            return render(request, "projects/settlements_none.html", status=404)
        return None

    def stream(self, settlements, about):
        return settlement_exports.threesixtygiving_chunks(settlements, self.urls(), about)
