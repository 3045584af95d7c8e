"""Facet counts for the projects list: how many projects each filter option would show.

Each facet counts within the results of every other active filter but ignores its own, so the
counts beside ticked and unticked options alike say what ticking them adds. The counts come from
the facet keys stored on each project (projects/facet_keys.py): one grouped query for every
facet at once, and one more for each facet with an option chosen, whatever the number of
projects. The counts of the whole catalogue, and of the projects with any one option, need no
pass at all: FacetKeyCount keeps them; and a search within those that matches most of them is
counted by the projects it leaves out.

To add a facet: give projects its keys in facet_keys.keys_for (and a migration that works them
out for saved projects), then add its filter to ProjectFilterSet with method="filter_facet".
"""

import functools
import json
from dataclasses import dataclass

from django.db import connections
from django.db.models import QuerySet

from portal.filters import is_unset

from .caching import cached
from .facet_keys import facet_key, keys_by_facet, projects_counted
from .filters import ProjectFilterSet, chosen_options
from .models import FacetKeyCount, Project

SEARCH = "q"
# The share of projects a search must match to be counted by the projects it leaves out.
BROAD = 0.5
# The list's facets: the filters that select by facet keys, in the order the page shows them.
FACETS = [
    name for name, item in ProjectFilterSet.base_filters.items() if item.method == "filter_facet"
]


def key_counts(projects):
    """{facet: {option: number of `projects` matching it}}, in one grouped query over the
    projects' stored facet keys."""
    connection = connections[projects.db]
    sql, params = projects.order_by().values("facet_keys").query.sql_with_params()
    each_key = Project._meta.get_field("facet_keys").each_key(connection, "projects.facet_keys")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT keys.value, COUNT(*) FROM ({sql}) AS projects, {each_key} GROUP BY keys.value",
            params,
        )
        return keys_by_facet(cursor.fetchall())


def estimated_count(projects):
    """How many `projects` PostgreSQL's planner expects, from its statistics (None elsewhere):
    an estimate costs a plan, not a pass."""
    if connections[projects.db].vendor != "postgresql":
        return None
    plan = json.loads(projects.order_by().values("pk").explain(format="json"))
    return plan[0]["Plan"]["Plan Rows"]


def option_key(value):
    """An option as facet keys name it: a row by its primary key, a choice by its value."""
    instance = getattr(value, "instance", None)
    return str(value if instance is None else instance.pk)


def chosen_facets(filterset):
    return [name for name in FACETS if not is_unset(filterset.form.cleaned_data.get(name))]


def kept_within(filterset, filters):
    """The key whose kept counts (FacetKeyCount) are those of the projects `filters` give: ""
    for no filter, the option's key for one option of one facet; None for any other filters."""
    if not filters:
        return ""
    if len(filters) > 1 or next(iter(filters)) not in FACETS:
        return None
    name = next(iter(filters))
    options = chosen_options(filterset.form.cleaned_data[name])
    return facet_key(name, options[0]) if len(options) == 1 else None


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

    @property
    def input_type(self):
        return "radio" if self.control == "radios" else "checkbox"


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
    """{"total": n, "facets": {facet name: {option: count}}} for a validated filterset of
    published projects whose valid filters are `key`, cached until the catalogue changes.

    A facet's counts ignore its own filter. Facets with nothing chosen take their counts from
    the projects every filter gives. A facet with an option chosen takes them from the list
    without its filter: those are the counts of another page, cached in their turn, so that
    ?theme=cohesion reuses the unfiltered list's and ?theme=cohesion&borough=hackney those of
    ?theme=cohesion and ?borough=hackney.
    """

    @functools.cache
    def unfaceted():
        # The filters other than facets, the same in every count: built once for them all.
        return filterset.filter_queryset_without(filterset.queryset, *FACETS)

    def counted(filters, *skipped):
        kept = kept_within(filterset, filters)
        if kept is not None:
            return FacetKeyCount.objects.within(kept).by_facet()
        return cached(
            "project-key-counts", filters, lambda: counted_anew(filters, skipped), version
        )

    def counted_anew(filters, skipped):
        others = [name for name in filterset.filters if name not in FACETS]
        projects = filterset.filter_queryset_without(unfaceted(), *skipped, *others)
        unsearched = {name: value for name, value in filters.items() if name != SEARCH}
        kept = kept_within(filterset, unsearched) if SEARCH in filters else None
        if kept is None:
            return key_counts(projects)
        # A search that most of these projects match is counted by the few it leaves out.
        unsearched_counts = FacetKeyCount.objects.within(kept).by_facet()
        if (estimated_count(projects) or 0) <= BROAD * projects_counted(unsearched_counts):
            return key_counts(projects)
        everything = filterset.filter_queryset_without(filterset.queryset, *skipped, SEARCH)
        left_out = key_counts(everything.not_matching(filterset.form.cleaned_data[SEARCH]))
        return {
            facet: {
                option: n - left_out.get(facet, {}).get(option, 0) for option, n in found.items()
            }
            for facet, found in unsearched_counts.items()
        }

    def compute():
        every_filter = counted(key)
        found = {
            name: {"": projects_counted(every_filter), **every_filter.get(name, {})}
            for name in FACETS
        }
        for name in chosen_facets(filterset):
            others = counted({k: v for k, v in key.items() if k != name}, name)
            found[name] = {"": projects_counted(others), **others.get(name, {})}
        return {"total": projects_counted(every_filter), "facets": found}

    return cached("project-facets", key, compute, version)


def facet_options(filterset, version):
    """{facet: [(value, label, key)]}: every facet's options, which are the same on every list
    page until the catalogue changes, so they are read from their tables once for all pages."""

    def listed():
        return {
            name: [
                (str(value), str(label), option_key(value))
                for value, label in filterset.form[name].field.choices
            ]
            for name in FACETS
        }

    return cached("facet-options", {}, listed, version)


def facets(filterset, facet_counts, version):
    """Every facet of a validated ProjectFilterSet, with its options and their counts."""
    result = []
    for name, options in facet_options(filterset, version).items():
        found = facet_counts["facets"][name]
        field = filterset.form[name]
        chosen = field.value()
        chosen = {str(v) for v in chosen} if isinstance(chosen, list | tuple) else {chosen or ""}
        options = [
            FacetOption(
                value=value,
                label=label,
                count=found.get(key, 0),
                selected=value in chosen,
                id=f"{field.auto_id}_{index}",
            )
            for index, (value, label, key) in enumerate(options)
        ]
        control = "radios" if field.widget_type == "radioselect" else "checkboxes"
        result.append(Facet(name=name, field=field, options=options, control=control))
    return result
