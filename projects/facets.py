"""Facet counts for the projects list: how many projects each filter option would show.

Each facet counts within the results of every other active filter but ignores its own, so the
counts beside ticked and unticked options alike say what ticking them adds. Each count is one
grouped query, whatever the number of projects.

To add a facet: add its filter to ProjectFilterSet, then a counting function here, keyed by the
filter's name in COUNTERS.
"""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from boroughs.models import Borough, InnerOuter, Partnership
from portal.filters import is_unset

from .caching import cached
from .models import Project, ProjectFunding, involving_any_of


def grouped(rows, key):
    return {str(row[key]): row["n"] for row in rows if row[key] is not None}


def field_counts(field):
    def count(projects):
        return grouped(projects.values(field).annotate(n=Count("pk")), field)

    return count


def link_counts(through, field):
    """Counts over a many-to-many link table, e.g. projects per theme."""

    def count(projects):
        rows = through.objects.order_by().filter(project__in=projects.values("pk"))
        return grouped(rows.values(field).annotate(n=Count("project_id")), field)

    return count


def funding_counts(field):
    """Projects funded per funder, funder kind or restrictions level (each project once)."""

    def count(projects):
        rows = ProjectFunding.objects.order_by().filter(project__in=projects.values("pk"))
        return grouped(rows.values(field).annotate(n=Count("project", distinct=True)), field)

    return count


def conditional_counts(conditions):
    """One query counting the projects that meet each of several conditions."""

    def count(projects):
        return projects.aggregate(
            **{key: Count("pk", filter=condition) for key, condition in conditions().items()}
        )

    return count


def partnership_conditions():
    return {p: involving_any_of(Borough.objects.filter(partnership=p)) for p in Partnership.values}


def london_conditions():
    return {
        "": Q(pk__isnull=False),
        **{
            side: involving_any_of(Borough.objects.filter(inner_outer_ons=side))
            for side in InnerOuter.values
        },
    }


def multi_year_counts(projects):
    """All, with and without multi-year funding: those without are the rest."""
    everything, yes = projects.count(), projects.with_multi_year_funding().count()
    return {"": everything, "yes": yes, "no": everything - yes}


COUNTERS = {
    "borough": lambda projects: projects.count_by_borough(key="slug"),
    "partnership": conditional_counts(partnership_conditions),
    "london": conditional_counts(london_conditions),
    "theme": lambda projects: projects.count_by_theme(key="slug"),
    "target_group": link_counts(Project.target_groups.through, "targetgroup__slug"),
    "status": field_counts("delivery_status"),
    "funder": funding_counts("settlement__funder__slug"),
    "funder_kind": funding_counts("settlement__funder__kind"),
    "commission": field_counts("commission__slug"),
    "multi_year": multi_year_counts,
    "restrictions": funding_counts("settlement__restrictions"),
}


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    id: str


@dataclass
class Facet:
    name: str
    field: object
    options: list
    control: str


def valid_filters(filterset):
    """The validated filterset's valid filters as plain values, to key caches by: the choices
    as given in the query string (without fetching them), other values as cleaned."""
    key = {}
    for name, value in filterset.form.cleaned_data.items():
        if name not in filterset.filters or is_unset(value):
            continue
        if isinstance(value, QuerySet | list | tuple):
            chosen = sorted(filterset.form.data.getlist(name))
            if chosen:
                key[name] = chosen
        else:
            key[name] = getattr(value, "slug", None) or str(value)
    return key


def counts(filterset, key, version):
    """{"total": n, "facets": {facet name: {value: count}}} for a validated filterset whose
    valid filters are `key`, cached until the catalogue changes."""

    def compute():
        without = filterset.filter_queryset_without
        return {
            "total": without(filterset.queryset, None).order_by().count(),
            "facets": {
                name: count(without(filterset.queryset, name).order_by())
                for name, count in COUNTERS.items()
            },
        }

    return cached("project-facets", key, compute, version)


def facets(filterset, facet_counts):
    """Every facet of a validated ProjectFilterSet, with its options and their counts."""
    result = []
    for name in COUNTERS:
        found = facet_counts["facets"][name]
        field = filterset.form[name]
        chosen = field.value()
        chosen = {str(v) for v in chosen} if isinstance(chosen, list | tuple) else {chosen or ""}
        options = [
            FacetOption(
                value=str(value),
                label=label,
                count=found.get(str(value), 0),
                selected=str(value) in chosen,
                id=f"{field.auto_id}_{index}",
            )
            for index, (value, label) in enumerate(field.field.choices)
        ]
        control = "radios" if field.widget_type == "radioselect" else "checkboxes"
        result.append(Facet(name=name, field=field, options=options, control=control))
    return result
