"""The read API's endpoints, under /api/v1/: each list takes exactly the parameters of its page
on the portal (the same FilterSet or form), from the same querysets, with the same counts (the
facet index), so that a query string gives the same records here as there."""

from django.conf import settings
from django.contrib.postgres.aggregates import JSONBAgg
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Prefetch, Subquery
from django.db.models.functions import JSONObject
from django.urls import reverse
from django.views.generic import TemplateView
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import NotFound

from boroughs.filters import COMMISSIONS_PER_PAGE, BoroughTableForm, CommissionFilterSet
from boroughs.models import Borough, Commission, Recommendation
from portal.api import (
    BadParameters,
    check_names,
    form_errors,
    page_body,
    page_bounds,
)
from portal.querystrings import link

from ..facet_index import current_index
from ..facets import counts, facet_rows, facets, valid_filters
from ..filters.catalogue import DEFAULT_PAGE_SIZE, PAGE_SIZES, ProjectFilterSet
from ..filters.funding import SETTLEMENTS_PER_PAGE, FunderFilterSet, SettlementFilterSet
from ..models import (
    FormerSlug,
    Funder,
    FundingSettlement,
    Project,
    ProjectFunding,
    ProjectTargetGroup,
    ProjectTheme,
    TargetGroup,
    Theme,
    with_funding_received,
    with_published_project_count,
)
from ..results import results
from . import serializers
from .base import MovedPermanently, ReadView

FACETS_PARAMETER = "facets"
DATA_LICENCE = {
    "name": "Open Government Licence v3.0",
    "url": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
}


def linked(link_model, relation, *fields):
    """A project's records linked through `link_model`'s `relation`, as a JSON list of objects
    of their `fields`, in order of slug: in the same query as the project."""
    items = JSONObject(**{field: f"{relation}__{field}" for field in fields})
    return Subquery(
        link_model.objects.filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(items=JSONBAgg(items, order_by=f"{relation}__slug"))
        .values("items")
    )


def projects_listed(projects):
    """Published projects with what a list shows of them, in one query."""
    return projects.select_related("lead_borough").annotate(
        partner_rows=linked(
            Project.partner_boroughs.through, "borough", "slug", "name", "gss_code"
        ),
        theme_rows=linked(ProjectTheme, "theme", "slug", "name"),
        target_group_rows=linked(ProjectTargetGroup, "targetgroup", "slug", "name"),
    )


def absolute(request, name, *args, **query):
    """The absolute address of a named page, with a query string of readable values."""
    return request.build_absolute_uri(link(name, *args, **query))


def project_links(request, project):
    project.url = absolute(request, "api:project", project.slug)
    project.html_url = absolute(request, "projects:detail", project.slug)
    project.partner_boroughs_listed = project.partner_rows or []
    project.themes_listed = project.theme_rows or []
    project.target_groups_listed = project.target_group_rows or []
    return project


def bad_unless_valid(form):
    """Refuse (400) the values of a form or FilterSet it cannot use, each named."""
    if not form.is_valid():
        raise BadParameters(form_errors(form))


# Projects ---------------------------------------------------------------------------------------


class ProjectListView(ReadView):
    """Published projects, filtered, searched, sorted and paged as on /projects/."""

    body = serializers.ProjectPage

    def parameters_form(self):
        return ProjectFilterSet(queryset=Project.objects.none()).form

    def query_parameters(self):
        return [
            *super().query_parameters(),
            OpenApiParameter(
                FACETS_PARAMETER,
                {"type": "string", "enum": ["true", "false"]},
                description="true adds each facet's options with their counts",
            ),
        ]

    def read(self, request):
        version = self.catalogue_version
        query = request.query_params
        filterset = ProjectFilterSet(query, queryset=Project.objects.published(), request=request)
        check_names(query, filterset.form, also=[FACETS_PARAMETER])
        with_facets = query.get(FACETS_PARAMETER, "false")
        if with_facets not in ("true", "false"):
            raise BadParameters({FACETS_PARAMETER: ["Facets must be true or false"]})
        for name, known in facet_rows(version).items():
            filterset.form.fields[name].known = known
        bad_unless_valid(filterset)
        key = valid_filters(filterset)
        found = counts(filterset, key, version)
        start, stop, previous, following = page_bounds(
            request, filterset.page_number, filterset.page_size, found["total"]
        )
        ids = results(filterset, ["pk"], key, version, found["ids"]).ids(slice(start, stop))
        by_id = {p.pk: p for p in projects_listed(Project.objects.filter(pk__in=ids))}
        page = [project_links(request, by_id[pk]) for pk in ids if pk in by_id]
        answer = page_body(
            serializers.ProjectListed(page, many=True).data, found["total"], previous, following
        )
        if with_facets == "true":
            answer["facets"] = facet_counts(filterset, found, version)
        return answer


def facet_counts(filterset, found, version):
    """Each facet of the projects list with its options' counts, as its filter column shows
    them (projects/facets.py)."""
    return {
        facet.name: {
            "label": str(facet.field.label),
            "options": [
                {
                    "value": option.value,
                    "label": option.label,
                    "count": option.count,
                    "selected": option.selected,
                }
                for option in facet.options
            ],
        }
        for facet in facets(filterset, found, version)
    }


class ProjectDetailView(ReadView):
    """A published project; one merged into another answers with the other's address."""

    body = serializers.ProjectDetail
    finds_one = True
    moves = True

    def read(self, request, slug):
        project = (
            projects_listed(Project.objects.published())
            .select_related("commission")
            .prefetch_related(
                "recommendations__commission",
                Prefetch(
                    "fundings",
                    ProjectFunding.objects.select_related("settlement__funder").order_by(
                        "-settlement__first_year", "settlement__funder__name", "pk"
                    ),
                ),
            )
            .filter(slug=slug)
            .first()
        )
        if project is None:
            moved = FormerSlug.objects.filter(slug=slug).select_related("project").first()
            if moved is not None and moved.project.is_published:
                raise MovedPermanently(absolute(request, "api:project", moved.project.slug))
            raise NotFound(f"There is no published project “{slug}”")
        project_links(request, project)
        project.recommendations_listed = sorted(r.slug for r in project.recommendations.all())
        return serializers.ProjectDetail(project).data


# Authorities ------------------------------------------------------------------------------------


class BoroughSortForm(BoroughTableForm):
    """The authorities table's order (the map's measure is the page's alone)."""

    measure = None


def boroughs_with_figures(version):
    """The authorities with the figures of the table on /boroughs/, counted as it counts them."""
    counts_per_borough = current_index(version=version).count_per("borough")
    return with_funding_received(
        Borough.objects.with_project_count(counts_per_borough).with_commission_count()
    )


def borough_links(request, borough):
    borough.html_url = absolute(request, "boroughs:detail", borough.slug)
    return borough


class BoroughListView(ReadView):
    """London's 33 authorities with their figures, sorted as the table on /boroughs/."""

    body = serializers.BoroughPage

    def parameters_form(self):
        return BoroughSortForm()

    def read(self, request):
        form = BoroughSortForm(request.query_params)
        check_names(request.query_params, form)
        bad_unless_valid(form)
        boroughs = form.sorted(boroughs_with_figures(self.catalogue_version))
        listed = [borough_links(request, borough) for borough in boroughs]
        return page_body(serializers.Borough(listed, many=True).data, len(listed), None, None)


class BoroughDetailView(ReadView):
    """One authority, by its slug."""

    body = serializers.Borough
    finds_one = True

    def read(self, request, slug):
        borough = boroughs_with_figures(self.catalogue_version).filter(slug=slug).first()
        if borough is None:
            raise NotFound(f"There is no London authority “{slug}”")
        return serializers.Borough(borough_links(request, borough)).data


# Commissions ------------------------------------------------------------------------------------


def commissions_listed():
    """Commissions with their counts, authorities and recommendations (each with its themes'
    slugs), in a fixed number of queries."""
    recommendations = Recommendation.objects.order_by("number").annotate(
        theme_slugs=ArraySubquery(
            Recommendation.themes.through.objects.filter(recommendation=OuterRef("pk"))
            .order_by("theme__slug")
            .values("theme__slug")
        )
    )
    return with_published_project_count(
        Commission.objects.with_recommendation_count()
        .select_related("lead_borough")
        .prefetch_related("partner_boroughs", Prefetch("recommendations", recommendations))
    )


def commission_links(request, commission):
    commission.html_url = absolute(request, "boroughs:commission", commission.slug)
    for recommendation in commission.recommendations.all():
        recommendation.projects_url = absolute(
            request, "api:projects", recommendation=recommendation.slug
        )
    return commission


class CommissionListView(ReadView):
    """Commissions with their recommendations, filtered and paged as on /commissions/."""

    body = serializers.CommissionPage

    def parameters_form(self):
        return CommissionFilterSet(queryset=Commission.objects.none()).form

    def read(self, request):
        query = request.query_params
        filterset = CommissionFilterSet(query, queryset=commissions_listed())
        check_names(query, filterset.form)
        bad_unless_valid(filterset)
        commissions = filterset.qs
        count = commissions.count()
        start, stop, previous, following = page_bounds(
            request, filterset.page_number, COMMISSIONS_PER_PAGE, count
        )
        page = [commission_links(request, c) for c in commissions[start:stop]]
        data = serializers.CommissionSerializer(page, many=True).data
        return page_body(data, count, previous, following)


class CommissionDetailView(ReadView):
    """A commission and its recommendations, by its slug."""

    body = serializers.CommissionSerializer
    finds_one = True

    def read(self, request, slug):
        commission = commissions_listed().filter(slug=slug).first()
        if commission is None:
            raise NotFound(f"There is no commission “{slug}”")
        return serializers.CommissionSerializer(commission_links(request, commission)).data


# Money ------------------------------------------------------------------------------------------


def funder_links(request, funder, project_counts):
    funder.html_url = absolute(request, "projects:funder", funder.slug)
    funder.project_count = project_counts.get(funder.pk, 0)
    return funder


class FunderListView(ReadView):
    """Every funder with what it settled, filtered and sorted as on /funders/."""

    body = serializers.FunderPage

    def parameters_form(self):
        return FunderFilterSet(queryset=Funder.objects.none()).form

    def read(self, request):
        query = request.query_params
        filterset = FunderFilterSet(query, queryset=FundingSettlement.objects.by_funder())
        check_names(query, filterset.form)
        bad_unless_valid(filterset)
        project_counts = current_index(version=self.catalogue_version).count_per("funder")
        listed = [funder_links(request, f, project_counts) for f in filterset.qs]
        return page_body(
            serializers.FunderSerializer(listed, many=True).data, len(listed), None, None
        )


class FunderDetailView(ReadView):
    """One funder, by its slug."""

    body = serializers.FunderSerializer
    finds_one = True

    def read(self, request, slug):
        funder = FundingSettlement.objects.by_funder().filter(slug=slug).first()
        if funder is None:
            raise NotFound(f"There is no funder “{slug}”")
        project_counts = current_index(version=self.catalogue_version).count_per("funder")
        return serializers.FunderSerializer(funder_links(request, funder, project_counts)).data


def settlement_links(request, settlement):
    settlement.html_url = absolute(request, "projects:settlement", settlement.pk)
    return settlement


class SettlementListView(ReadView):
    """Funding settlements, filtered, sorted and paged as on /settlements/."""

    body = serializers.SettlementPage

    def parameters_form(self):
        return SettlementFilterSet(queryset=FundingSettlement.objects.none()).form

    def read(self, request):
        query = request.query_params
        settlements = FundingSettlement.objects.select_related("funder", "recipient")
        filterset = SettlementFilterSet(query, queryset=settlements)
        check_names(query, filterset.form)
        bad_unless_valid(filterset)
        count = filterset.qs.count()
        start, stop, previous, following = page_bounds(
            request, filterset.page_number, SETTLEMENTS_PER_PAGE, count
        )
        page = [settlement_links(request, s) for s in filterset.qs[start:stop]]
        return page_body(serializers.Settlement(page, many=True).data, count, previous, following)


class SettlementDetailView(ReadView):
    """One settlement, by its number, with its yearly allocations and the published projects
    it funds."""

    body = serializers.SettlementDetail
    finds_one = True

    def read(self, request, pk):
        lines = ProjectFunding.objects.filter(project__in=Project.objects.published())
        settlement = (
            FundingSettlement.objects.select_related("funder", "recipient")
            .prefetch_related(
                "allocations",
                Prefetch(
                    "project_fundings",
                    lines.select_related("project").order_by("-amount", "project__slug", "pk"),
                ),
            )
            .filter(pk=pk)
            .first()
        )
        if settlement is None:
            raise NotFound(f"There is no funding settlement {pk}")
        settlement.allocations_by_year = {
            str(allocation.financial_year): allocation.amount
            for allocation in sorted(settlement.allocations.all(), key=lambda a: a.financial_year)
        }
        settlement.projects_listed = settlement.project_fundings.all()
        return serializers.SettlementDetail(settlement_links(request, settlement)).data


# Themes and target groups -----------------------------------------------------------------------


def term_links(request, term, facet, project_counts, page=None):
    term.project_count = project_counts.get(term.pk, 0)
    term.projects_url = absolute(request, "api:projects", **{facet: term.slug})
    if page:
        term.html_url = absolute(request, page, term.slug)
    return term


class ThemeListView(ReadView):
    """Every theme with its number of published projects: the publication's five first."""

    body = serializers.ThemePage

    def read(self, request):
        project_counts = current_index(version=self.catalogue_version).count_per("theme")
        themes = Theme.objects.order_by("-is_core", "position", "name", "pk")
        listed = [term_links(request, t, "theme", project_counts, "projects:theme") for t in themes]
        data = serializers.ThemeSerializer(listed, many=True).data
        return page_body(data, len(listed), None, None)


class ThemeDetailView(ReadView):
    """One theme, by its slug."""

    body = serializers.ThemeSerializer
    finds_one = True

    def read(self, request, slug):
        theme = Theme.objects.filter(slug=slug).first()
        if theme is None:
            raise NotFound(f"There is no theme “{slug}”")
        project_counts = current_index(version=self.catalogue_version).count_per("theme")
        listed = term_links(request, theme, "theme", project_counts, "projects:theme")
        return serializers.ThemeSerializer(listed).data


class TargetGroupListView(ReadView):
    """Every target group with its number of published projects."""

    body = serializers.TargetGroupPage

    def read(self, request):
        project_counts = current_index(version=self.catalogue_version).count_per("target_group")
        groups = TargetGroup.objects.order_by("position", "name", "pk")
        listed = [term_links(request, g, "target_group", project_counts) for g in groups]
        return page_body(serializers.Term(listed, many=True).data, len(listed), None, None)


class NoSuchEndpointView(ReadView):
    """An address under /api/ that names no endpoint, or a record by an identifier that no
    record could have (a slug with a slash, a settlement's number in words)."""

    # Not an operation of the document.
    schema = None

    def read(self, request, *args, **kwargs):
        raise NotFound(f"There is nothing at {request.path}: see {reverse('api:docs')}")


# The documentation ------------------------------------------------------------------------------

ENDPOINTS = [
    ("projects/", "Published projects", "projects:list"),
    ("projects/{slug}/", "A published project, with its funding lines", None),
    ("boroughs/", "The 33 authorities with their figures", "boroughs:list"),
    ("boroughs/{slug}/", "An authority", None),
    ("commissions/", "Commissions, each with its recommendations", "boroughs:commissions"),
    ("commissions/{slug}/", "A commission", None),
    ("funders/", "Funders, with what they settled", "projects:funders"),
    ("funders/{slug}/", "A funder", None),
    ("settlements/", "Funding settlements", "projects:settlements"),
    ("settlements/{id}/", "A settlement, its yearly allocations and its projects", None),
    ("themes/", "Themes, with their published projects", None),
    ("themes/{slug}/", "A theme", None),
    ("target-groups/", "Target groups, with their published projects", None),
]


class DocumentationView(TemplateView):
    """What the API offers and how to use it, for people."""

    template_name = "api/index.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            base=self.request.build_absolute_uri(reverse("api:projects")).removesuffix("projects/"),
            endpoints=[
                {"path": path, "gives": gives, "page": reverse(page) if page else None}
                for path, gives, page in ENDPOINTS
            ],
            project_page_size=DEFAULT_PAGE_SIZE,
            page_sizes=", ".join(str(size) for size in PAGE_SIZES),
            commissions_per_page=COMMISSIONS_PER_PAGE,
            settlements_per_page=SETTLEMENTS_PER_PAGE,
            rate=rate_in_words(settings.API_RATE),
            licence=DATA_LICENCE,
            **kwargs,
        )


PERIODS = {"s": "second", "m": "minute", "h": "hour", "d": "day"}


def rate_in_words(rate):
    """ "120/m" as "120 a minute"."""
    count, _, period = rate.partition("/")
    return f"{count} a {PERIODS.get(period[-1:], period)}"
