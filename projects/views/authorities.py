"""The public pages of London's 33 authorities: the table and map of them all, each one's
profile, and two to four side by side.

Every project figure starts from Project.objects.published(); authorities, commissions and
funding settlements are public records.
"""

from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from boroughs.filters import BoroughComparisonForm, BoroughTableForm
from boroughs.models import Borough, Commission
from portal.caching import cached
from portal.querystrings import link
from portal.shared_pages import SharedPageMixin

from ..facet_keys import facet_key
from ..models import FacetKeyCount, FundingSettlement, Project, Theme, with_funding_received

LATEST_PROJECTS = 5


def chart_rows(rows, value="total"):
    """Rows of a queryset summary (dicts with a label) with the `value` the charts draw."""
    return [{**row, "value": row[value]} for row in rows]


def borough_figures(borough):
    """What one authority's profile and the comparison show: published projects, commissions and
    funding received. A fixed number of queries, whatever the data; cached until the catalogue
    changes, as every visitor sees the same."""

    def compute():
        projects = Project.objects.published().in_borough(borough)
        kept = FacetKeyCount.objects.within(facet_key("borough", borough))
        settlements = FundingSettlement.objects.received_by(borough)
        return {
            "project_count": kept.total(),
            "by_theme": kept.per_row("theme"),
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

    return {"borough": borough, **cached("borough-figures", {"borough": borough.pk}, compute)}


class BoroughListView(SharedPageMixin, TemplateView):
    """Every authority in a sortable table, with the map of London shaded by a chosen measure."""

    template_name = "boroughs/borough_list.html"

    def get(self, request, *args, **kwargs):
        form = BoroughTableForm(request.GET)
        valid = form.is_valid()
        boroughs = cached(
            "boroughs-table",
            {"sort": form.sort_choice},
            lambda: list(
                form.sorted(
                    with_funding_received(
                        Borough.objects.with_project_count(
                            FacetKeyCount.objects.within().per_row("borough")
                        ).with_commission_count()
                    )
                )
            ),
        )
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
        figures = borough_figures(borough)
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
            all_projects_url=link("projects:list", borough=borough.slug),
            **kwargs,
        )


class BoroughCompareView(SharedPageMixin, TemplateView):
    """Two to four authorities side by side."""

    template_name = "boroughs/borough_compare.html"

    def get(self, request, *args, **kwargs):
        if "borough" not in request.GET:
            return self.render_to_response(self.get_context_data(form=BoroughComparisonForm()))
        form = BoroughComparisonForm(request.GET)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        figures = [borough_figures(borough) for borough in form.cleaned_data["borough"]]
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
