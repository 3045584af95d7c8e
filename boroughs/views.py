"""The public pages of London's authorities and their commissions.

Every project figure starts from Project.objects.published(); commissions, authorities and
funding settlements are public records.
"""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.http import urlencode
from django.views.generic import TemplateView

from portal.pagination import page_links, paginate
from portal.shared_pages import SharedPageMixin
from projects.caching import cached
from projects.facet_keys import facet_key
from projects.models import FacetKeyCount, FundingSettlement, Project, Theme

from .filters import (
    COMMISSIONS_PER_PAGE,
    BoroughComparisonForm,
    BoroughTableForm,
    CommissionFilterSet,
)
from .models import Borough, Commission

LATEST_PROJECTS = 5
# A recommendation can be addressed by thousands of projects: show the newest, link to the rest.
PROJECTS_SHOWN = 8


def projects_list_url(**params):
    """A link to the projects list filtered by readable values: ?borough=hackney&theme=..."""
    return f"{reverse('projects:list')}?{urlencode(params)}"


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
                    Borough.objects.with_project_count(
                        FacetKeyCount.objects.within().per_row("borough")
                    )
                    .with_funding_received()
                    .with_commission_count()
                )
            ),
        )
        context = self.get_context_data(
            form=form,
            boroughs=boroughs,
            columns=form.columns(),
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
                    "url": projects_list_url(borough=borough.slug, theme=theme.slug),
                }
                for theme in Theme.objects.all()
            ],
            peers=peers,
            all_projects_url=projects_list_url(borough=borough.slug),
            **kwargs,
        )


class CommissionListView(TemplateView):
    """Every commission, filtered by kind, status, borough and cross-party support."""

    template_name = "boroughs/commission_list.html"

    def get(self, request, *args, **kwargs):
        filterset = CommissionFilterSet(
            request.GET,
            queryset=Commission.objects.with_counts()
            .select_related("lead_borough")
            .prefetch_related("partner_boroughs"),
        )
        context = {"filterset": filterset, "form": filterset.form, "clear_url": request.path}
        if not filterset.is_valid():
            return self.render_to_response(self.get_context_data(**context), status=400)
        page, corrected = paginate(
            filterset.qs, number=filterset.page_number, per_page=COMMISSIONS_PER_PAGE
        )
        context.update(
            applied=filterset.applied_filters(),
            page_obj=page,
            page_links=page_links(page.number, page.paginator.num_pages),
            corrected_page=corrected,
        )
        return self.render_to_response(self.get_context_data(**context))


class CommissionDetailView(SharedPageMixin, TemplateView):
    """A commission, each recommendation with the published projects that address it in any
    borough, and the published projects that follow from it."""

    template_name = "boroughs/commission_detail.html"

    def get_context_data(self, **kwargs):
        slug = self.kwargs["slug"]

        def compute():
            commission = get_object_or_404(
                Commission.objects.select_related("lead_borough")
                .prefetch_related("partner_boroughs")
                .with_counts()
                .with_published_projects(limit=PROJECTS_SHOWN),
                slug=slug,
            )
            recommendations = commission.recommendations.with_published_projects(
                commission.boroughs, limit=PROJECTS_SHOWN
            )
            return {"commission": commission, "recommendations": list(recommendations)}

        # The same for everyone and costly to gather: kept until the catalogue changes.
        return super().get_context_data(
            **cached("commission-page", {"slug": slug}, compute), **kwargs
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
