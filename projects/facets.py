"""Facet counts for the projects list: how many projects each filter option would show.

Each facet counts within the results of every other active filter but ignores its own, so the
counts beside ticked and unticked options alike say what ticking them adds. They come from the
facet index (projects/facet_index.py): the ids of the published projects holding each option,
in memory, so that every count is an intersection of bitmaps. Only the filters that are not
facets (a search, amounts, dates) need a query, which names the projects that fail at most one
chosen facet (the only ones any count can include) when they are few enough.

To add a facet: declare it in facet_keys.FACETS (which says how).
"""

import json
from dataclasses import dataclass

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import QuerySet
from pyroaring import BitMap

from portal.caching import cached
from portal.filters import is_unset

from .facet_index import current_index
from .facet_keys import FACET_NAMES
from .filters.catalogue import SEARCH, chosen_options
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


def through_other_filters(filterset, key, candidates):
    """Those of `candidates` (a BitMap of published projects) that the valid filters other
    than facets let through; `key` names the valid filters."""
    text = filterset.form.cleaned_data.get(SEARCH, "").strip()
    applied = {name for name in key if name not in FACETS and (name != SEARCH or text)}
    if not applied:
        return candidates
    projects = filterset.filter_queryset_without(filterset.queryset, *FACETS, SEARCH)
    named = len(candidates) <= NAMED
    if named:
        projects = projects.among(candidates)
    if SEARCH not in applied:
        return candidates & ids_of(projects)
    # Asked whatever the candidates, so that a page makes the same queries at any size.
    broad = matches_most(text, projects.db)
    if broad and not named:
        # Checked on the few projects the search leaves out, read from the published
        # projects' search vectors alone, rather than on the many it matches.
        vectors = PublishedSearchVector.objects.using(projects.db)
        left_out = vectors.not_matching(text).values_list("project_id", flat=True)
        if applied == {SEARCH}:
            return candidates - BitMap(left_out)
        return candidates & ids_of(projects.exclude(pk__in=left_out))
    return candidates & ids_of(projects.filter(projects.matching(text)))


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
            chosen = sorted(filterset.form.data.getlist(name))
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
        projects = through_other_filters(filterset, key, candidates)
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
