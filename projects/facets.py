"""Facet counts for the projects list: how many projects each filter option would show.

Each facet counts within the results of every other active filter but ignores its own, so the
counts beside ticked and unticked options alike say what ticking them adds. They come from the
facet index (projects/facet_index.py): the ids of the published projects holding each option,
in memory, so that every count is an intersection of bitmaps; the index also answers the
filters by amount and by date. Only a search and a commission's recommendation need a query: a
search of the published projects' search vectors, and a recommendation's of the projects that
fail at most one chosen facet (the only ones any count can include) when they are few enough.

To add a facet: declare it in facet_keys.FACETS (which says how).
"""

import json
from dataclasses import dataclass

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import QuerySet
from pyroaring import BitMap

from portal.caching import cached, held_in_process
from portal.filters import is_unset

from . import facet_keys
from .facet_index import current_index
from .facet_keys import FACET_NAMES
from .filters.catalogue import ACTIVE_BETWEEN, SEARCH, chosen_options
from .models import PublishedSearchVector

# The share of published projects a search must match to be checked on those it leaves out.
BROAD = 0.5
# The most projects a query names by id: more are checked by a pass over them all instead.
NAMED = 10_000
# The list's facets, by name, in the order they are declared.
FACETS = FACET_NAMES


def ids_of(projects):
    """The ids of `projects`, as a BitMap, sent as one array: Django reads rows a hundred at a
    time, which for 80,000 ids takes 40% longer."""
    return BitMap(projects.order_by().aggregate(ids=ArrayAgg("pk", default=[]))["ids"])


def estimated_count(projects):
    """How many `projects` PostgreSQL's planner expects, from its statistics: an estimate costs
    a plan, not a pass."""
    plan = json.loads(projects.order_by().values("pk").explain(format="json"))
    return plan[0]["Plan"]["Plan Rows"]


def option_key(value):
    """An option as facet keys name it: a row by its primary key, a choice by its value."""
    instance = getattr(value, "instance", None)
    return str(value if instance is None else instance.pk)


def chosen_facets(filterset):
    return [name for name in FACETS if not is_unset(filterset.form.cleaned_data.get(name))]


def through_other_filters(filterset, key, candidates, index):
    """Those of `candidates` (a BitMap of published projects) that the valid filters other
    than facets let through; `key` names the valid filters. The index answers the filters by
    amount and by date; a query the others (a search, a recommendation)."""
    cleaned = filterset.form.cleaned_data
    answered = set()
    for name in key:
        found = in_index(index, filterset.filters[name], name, cleaned[name])
        if found is not None:
            candidates = candidates & found
            answered.add(name)
    text = cleaned.get(SEARCH, "").strip()
    applied = {
        name
        for name in key
        if name not in FACETS and name not in answered and (name != SEARCH or text)
    }
    if not applied:
        return candidates
    using = filterset.queryset.db
    if applied == {SEARCH}:
        return candidates & matching(text, index, using)
    projects = filterset.filter_queryset_without(filterset.queryset, *FACETS, SEARCH, *answered)
    if len(candidates) <= NAMED:
        projects = projects.among(candidates)
    if SEARCH in applied:
        projects = projects.filter(projects.matching(text))
    return candidates & ids_of(projects)


# The bound of the funding total that each lookup of an amount filter sets.
FUNDING_BOUNDS = {"gte": "low", "lte": "high"}


def in_index(index, field, name, value):
    """The projects that the filter `field` (named `name`) lets through with `value`, from the
    index, for a filter by date or by amount; None for the others."""
    if name in ACTIVE_BETWEEN:
        return index.active_between(*ACTIVE_BETWEEN[name](value))
    if getattr(field, "field_name", None) == "funding_total":
        return index.funded_between(**{FUNDING_BOUNDS[field.lookup_expr]: value})
    return None


def matching(text, index, using):
    """The published projects a search matches, as a BitMap: the same for every combination of
    filters with it until the catalogue changes, so read once for them all. Read from the
    published projects' search vectors alone, a third of the projects table; a search most
    projects match is checked on those it leaves out."""

    def read():
        vectors = PublishedSearchVector.objects.using(using)
        if matches_most(text, using):
            left_out = vectors.not_matching(text).values_list("project_id", flat=True)
            return index.published - BitMap(left_out)
        return ids_of(vectors.matching(text))

    return cached("search-matches", {SEARCH: text}, read, index.version)


def matches_most(text, using):
    """Whether PostgreSQL's planner expects `text` to match most published projects."""
    vectors = PublishedSearchVector.objects.using(using)
    return estimated_count(vectors.matching(text)) > BROAD * estimated_count(vectors)


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
            chosen = sorted(set(filterset.form.data.getlist(name)))
            if chosen:
                key[name] = chosen
        else:
            key[name] = getattr(value, "slug", None) or str(value)
    return key


def counts(filterset, key, version):
    """{"total": n, "facets": {facet name: {option: count}}, "ids": BitMap of the results} for
    a validated filterset of published projects whose valid filters are `key`, cached until the
    catalogue changes.

    A facet's counts ignore its own filter: a facet with nothing chosen counts the projects
    every filter gives, one with an option chosen those every other filter gives.
    """

    def compute():
        index = current_index(filterset.queryset.db, version)
        chosen = {
            name: index.holding(name, chosen_options(filterset.form.cleaned_data[name]))
            for name in chosen_facets(filterset)
        }

        def within(projects, *skipped):
            for name, ids in chosen.items():
                if name not in skipped:
                    projects = projects & ids
            return projects

        # The projects failing at most one chosen facet: the only ones any count includes.
        candidates = BitMap.union(
            within(index.published), *(within(index.published, name) for name in chosen)
        )
        projects = through_other_filters(filterset, key, candidates, index)
        every_filter = within(projects)
        found = {
            name: {"": len(every_filter), **index.counts(name, every_filter)} for name in FACETS
        }
        for name in chosen:
            others = within(projects, name)
            found[name] = {"": len(others), **index.counts(name, others)}
        return {"total": len(every_filter), "facets": found, "ids": every_filter}

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


def facet_rows(version):
    """{facet: {slug: primary key}} of the facets whose options are rows (authorities, themes,
    target groups), read from their tables once for all pages until the catalogue changes: a
    query string's choices are checked against them without a query (SlugsField), and are
    then their keys, which is all the facets need of them (facet_keys.facet_key)."""

    def read():
        return {
            facet.name: dict(facet.rows().values_list("slug", "pk"))
            for facet in facet_keys.FACETS
            if facet.rows
        }

    return held_in_process("facet-row-keys", read, version)


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
