"""The researchers' catalogue of published projects: the filtered list, each project's page,
projects side by side, and the list as CSV, JSON and XLSX downloads."""

import json
from collections import defaultdict

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject, cached_property
from django.views import View
from django.views.generic import TemplateView

from portal.lists import FilteredListView, page_of
from portal.money import financial_year_label
from portal.open_data import XLSX_CONTENT_TYPE, About, download

from .. import exports
from ..facets import counts, facet_rows, facets, valid_filters
from ..filters.catalogue import ProjectFilterSet
from ..forms import ProjectComparisonForm
from ..models import FormerSlug, Project
from ..results import results
from .shared import SharedPageMixin

RELATED_PROJECTS = 5
# What a result in the list shows of a project (projects/templatetags/project_results.py).
LISTED = [
    "pk",
    "slug",
    "title",
    "summary",
    "lead_borough__name",
    "delivery_status",
    "funding_total",
    "start_date",
    "end_date",
    "theme_names",
    "partner_names",
]


def published_projects():
    return Project.objects.published()


class ProjectListView(SharedPageMixin, FilteredListView):
    """The researchers' catalogue: filter, sort, page, compare and download published projects.

    Its counts, filter column and results come from the facet index and the cache (facets.py,
    results.py): the same filters give the same page until the catalogue changes."""

    template_name = "projects/project_list.html"
    filterset_class = ProjectFilterSet

    def get_queryset(self):
        return published_projects()

    @cached_property
    def filterset(self):
        filterset = super().filterset
        for name, known in facet_rows(self.catalogue_version).items():
            filterset.form.fields[name].known = known
        return filterset

    @cached_property
    def key(self):
        """The valid filters, as the counts and rankings are kept under them."""
        return valid_filters(self.filterset)

    @cached_property
    def found(self):
        return counts(self.filterset, self.key, self.catalogue_version)

    def page_key(self):
        filterset = self.filterset
        if not filterset.is_valid():
            return None
        return {**self.key, **filterset.chosen_controls()}

    def filter_context(self, filterset):
        version = self.catalogue_version
        # Built only if the filter column is not already cached for these filters.
        facet_list = SimpleLazyObject(lambda: facets(filterset, self.found, version))
        by_name = SimpleLazyObject(lambda: {facet.name: facet for facet in facet_list})
        return {
            "applied": SimpleLazyObject(lambda: filterset.applied_filters(facet_list)),
            "panel": SimpleLazyObject(lambda: filterset.panel(facets=by_name)),
            "filtered": bool(self.key),
            "panel_key": f"{settings.CACHE_RELEASE}:{version}:{json.dumps(self.key)}",
        }

    def get_results(self, filterset):
        return {
            **page_of(
                results(filterset, LISTED, self.key, self.catalogue_version, self.found["ids"]),
                number=filterset.page_number,
                per_page=filterset.page_size,
                count=self.found["total"],
            ),
            "export_query": filterset.query_without("page_size"),
            "feed_query": filterset.filters_query(),
        }


class ProjectDetailView(SharedPageMixin, TemplateView):
    """A published project: its facts, its funding by settlement and year, related projects
    elsewhere."""

    template_name = "projects/project_detail.html"

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except Http404:
            # A project merged into another answers at the other's address.
            former = FormerSlug.objects.filter(slug=kwargs["slug"]).select_related("project")
            moved = former.first()
            if moved is None or not moved.project.is_published:
                raise
            return redirect(moved.project, permanent=True)

    def get_context_data(self, **kwargs):
        project = get_object_or_404(
            published_projects()
            .select_related("lead_borough", "commission__lead_borough")
            .prefetch_related("partner_boroughs", "themes", "target_groups", "recommendations"),
            slug=self.kwargs["slug"],
        )
        fundings = list(
            project.fundings.select_related("settlement__funder", "settlement__recipient")
            .prefetch_related("settlement__allocations")
            .order_by("-settlement__first_year", "settlement__funder__name", "pk")
        )
        by_year = defaultdict(int)
        for funding in fundings:
            for year, amount in funding.yearly_shares().items():
                by_year[year] += amount
        related = (
            published_projects()
            .with_any_theme(project.themes.all())
            .exclude(lead_borough=project.lead_borough)
            .select_related("lead_borough")
            .order_by("-published_at", "-pk")[:RELATED_PROJECTS]
        )
        return super().get_context_data(
            project=project,
            fundings=fundings,
            funding_by_year=[
                {"label": financial_year_label(year), "value": round(by_year[year])}
                for year in sorted(by_year)
            ],
            related_projects=related,
            **kwargs,
        )


class ProjectCompareView(SharedPageMixin, TemplateView):
    """Two to four published projects side by side."""

    template_name = "projects/project_compare.html"

    @cached_property
    def form(self):
        return ProjectComparisonForm(self.request.GET) if "project" in self.request.GET else None

    def page_key(self):
        if self.form is None:
            return {}
        if not self.form.is_valid():
            return None
        return {"project": [project.slug for project in self.form.cleaned_data["project"]]}

    def get(self, request, *args, **kwargs):
        form = self.form
        if form is None:
            return self.render_to_response(self.get_context_data())
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        return self.render_to_response(
            self.get_context_data(form=form, projects=form.cleaned_data["project"])
        )


class ProjectExportView(View):
    """The filtered list of published projects as a streamed download, while a place is free
    (portal/open_data.py); otherwise 429, saying when to try again."""

    content_type = ""
    extension = ""

    def get(self, request, *args, **kwargs):
        filterset = ProjectFilterSet(request.GET, queryset=published_projects())
        if not filterset.is_valid():  # the list's page, with its error summary and status 400
            return ProjectListView.as_view()(request)
        about = About.of(
            request, title="London integration projects", list_url=reverse("projects:list")
        )
        base_url = request.build_absolute_uri("/projects/")
        return download(
            request,
            lambda: self.stream(filterset.qs, base_url, about),
            about=about,
            stem="london-integration-projects",
            extension=self.extension,
            content_type=self.content_type,
            busy_template="projects/downloads_busy.html",
            list_name="projects",
        )


class ProjectCSVExportView(ProjectExportView):
    content_type = "text/csv; charset=utf-8"
    extension = "csv"

    def stream(self, projects, base_url, about):
        return exports.csv_lines(projects, base_url)


class ProjectJSONExportView(ProjectExportView):
    content_type = "application/json"
    extension = "json"

    def stream(self, projects, base_url, about):
        meta = {
            **about.as_json(),
            "columns": {column.name: column.description for column in exports.COLUMNS},
        }
        return exports.json_chunks(projects, base_url, meta)


class ProjectXLSXExportView(ProjectExportView):
    content_type = XLSX_CONTENT_TYPE
    extension = "xlsx"

    def stream(self, projects, base_url, about):
        return exports.xlsx_pieces_of(projects, base_url, about)
