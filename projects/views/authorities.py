"""The public pages of London's 33 authorities: the table and map of them all, each one's
profile, and two to four side by side.

Every project figure starts from Project.objects.published(); authorities, commissions and
funding settlements are public records.
"""

from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from boroughs.filters import BoroughComparisonForm, BoroughTableForm
from boroughs.models import Borough, Commission
from portal.caching import cached
from portal.querystrings import link

from ..facet_index import current_index
from ..likeness import HOW_JUDGED, authorities_like
from ..models import FundingSettlement, Project, Theme, with_funding_received
from .shared import SharedPageMixin

LATEST_PROJECTS = 5


def chart_rows(rows, value="total"):
    """Rows of a queryset summary (dicts with a label) with the `value` the charts draw."""
    return [{**row, "value": row[value]} for row in rows]


def yearly_funding(by_year):
    """What the yearly figures (components/yearly_funding.html) show of by_year()'s rows."""
    with_money = [row for row in by_year if row["total"]]
    return {
        "yearly": by_year,
        "multi_year_columns": chart_rows(by_year, "multi_year_share"),
        "light_columns": chart_rows(by_year, "without_burdensome_restrictions_share"),
        "first_year_with_money": with_money[0] if with_money else None,
        "last_year_with_money": with_money[-1] if with_money else None,
    }


def borough_figures(borough, version):
    """What one authority's profile and the comparison show: published projects, commissions and
    funding received. A fixed number of queries, whatever the data; cached until the catalogue
    changes (`version`), as every visitor sees the same."""

    def compute():
        projects = Project.objects.published().in_borough(borough)
        index = current_index(version=version)
        settlements = FundingSettlement.objects.received_by(borough)
        return {
            "project_count": len(index.holding("borough", [borough])),
            "by_theme": index.count_per("theme", within=("borough", [borough])),
            "funding": settlements.summary(),
            "by_funder_kind": chart_rows(settlements.by_funder_kind()),
            "by_year": chart_rows(settlements.by_year()),
            "by_restrictions": settlements.by_restrictions(),
            "commissions": list(
                Commission.objects.involving(borough).select_related("lead_borough")
            ),
            "latest_projects": list(
                projects.select_related("lead_borough").order_by("-published_at", "-pk")[
                    :LATEST_PROJECTS
                ]
            ),
        }

    figures = cached("borough-figures", {"borough": borough.pk}, compute, version)
    return {"borough": borough, **figures}


class BoroughListView(SharedPageMixin, TemplateView):
    """Every authority in a sortable table, with the map of London shaded by a chosen measure."""

    template_name = "boroughs/borough_list.html"

    @cached_property
    def form(self):
        return BoroughTableForm(self.request.GET)

    def page_key(self):
        if not self.form.is_valid():
            return None
        return self.form.choices_made()

    def get(self, request, *args, **kwargs):
        form = self.form
        valid = form.is_valid()
        version = self.catalogue_version

        def table():
            counts = current_index(version=version).count_per("borough")
            boroughs = Borough.objects.with_project_count(counts).with_commission_count()
            return list(form.sorted(with_funding_received(boroughs)))

        boroughs = cached("boroughs-table", {"sort": form.sort_choice}, table, version)
        context = self.get_context_data(
            form=form,
            boroughs=boroughs,
            headings=form.headings(),
            measure=form.measure_choice,
            sort=form.sort_choice,
            tiles=form.tiles(boroughs),
        )
        return self.render_to_response(context, status=200 if valid else 400)


class BoroughDetailView(SharedPageMixin, TemplateView):
    """One authority's profile: facts, commissions, published projects and funding."""

    template_name = "boroughs/borough_detail.html"

    def get_context_data(self, **kwargs):
        borough = get_object_or_404(Borough, slug=self.kwargs["slug"])
        figures = borough_figures(borough, self.catalogue_version)
        likeness = authorities_like(borough, self.catalogue_version)
        alike = [each.borough.slug for each in likeness.alike] if likeness else []
        peers = (
            Borough.objects.in_partnership(borough.partnership).exclude(pk=borough.pk)
            if borough.partnership
            else Borough.objects.none()
        )
        return super().get_context_data(
            **figures,
            themes=[
                {
                    "label": theme.name,
                    "value": figures["by_theme"].get(theme.pk, 0),
                    "url": link("projects:list", borough=borough.slug, theme=theme.slug),
                }
                for theme in Theme.objects.all()
            ],
            peers=peers,
            likeness=likeness,
            how_alike_is_judged=HOW_JUDGED,
            compare_alike_url=link("boroughs:compare", borough=[borough.slug, *alike])
            if alike
            else None,
            **yearly_funding(figures["by_year"]),
            all_projects_url=link("projects:list", borough=borough.slug),
            **kwargs,
        )


class BoroughCompareView(SharedPageMixin, TemplateView):
    """Two to four authorities side by side."""

    template_name = "boroughs/borough_compare.html"

    @cached_property
    def form(self):
        return BoroughComparisonForm(self.request.GET) if "borough" in self.request.GET else None

    def page_key(self):
        if self.form is None:
            return {}
        if not self.form.is_valid():
            return None
        return {"borough": [borough.slug for borough in self.form.cleaned_data["borough"]]}

    def get(self, request, *args, **kwargs):
        form = self.form
        if form is None:
            return self.render_to_response(self.get_context_data(form=BoroughComparisonForm()))
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        version = self.catalogue_version
        figures = [borough_figures(borough, version) for borough in form.cleaned_data["borough"]]
        return self.render_to_response(
            self.get_context_data(form=form, compared=figures, **side_by_side(figures))
        )


def side_by_side(figures):
    """The compared authorities' figures as table rows with one value per authority."""
    years = sorted({row["year"] for f in figures for row in f["by_year"]})
    by_year = [{row["year"]: row["total"] for row in f["by_year"]} for f in figures]
    return {
        "theme_rows": [
            {"label": theme.name, "values": [f["by_theme"].get(theme.pk, 0) for f in figures]}
            for theme in Theme.objects.all()
        ],
        "funder_kind_rows": [
            {"label": row["label"], "values": [f["by_funder_kind"][i]["total"] for f in figures]}
            for i, row in enumerate(figures[0]["by_funder_kind"])
        ],
        "year_rows": [
            {"year": year, "values": [totals.get(year, 0) for totals in by_year]}
            for year in (range(years[0], years[-1] + 1) if years else [])
        ],
    }
