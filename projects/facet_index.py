"""Which published projects hold each facet key, as compressed bitmaps of their ids (Roaring,
via pyroaring), from which the site counts any combination of facets in memory; and all of
them in each order the list sorts by, from which the list picks a page of any results.

Counting in SQL takes a pass over the projects' keys for each facet with an option chosen, as
each facet's counts ignore its own filter: ten passes for a list filtered in nine facets. With
the ids of each key at hand, every count is the size of an intersection of bitmaps, and only
the filters that are not facets (a search, amounts, dates) need the database. Every count on
the site comes from here: the list's facets, the home page, the authorities' table and
profiles, the themes and the funders.

An index stands for a version of the catalogue (models.catalogue) and the database snapshot
it was read at. When the version has moved on, the next reader brings the index up to date
from the changes its snapshot did not see: the projects they name are read again, and the
sort orders with them, a few milliseconds for a publish, where building anew takes most of a
second at 100,000 projects. Changing a project anew is idempotent, so a change read twice does
no harm; one never read is impossible, as the snapshot is taken before anything else is read.
Each worker process keeps its index; one built from nothing is shared through the cache, for
the workers that start after it.
"""

import array
import datetime
import functools
import itertools
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.postgres.aggregates import ArrayAgg
from django.core.cache import cache
from django.db import connections
from pyroaring import BitMap, FrozenBitMap

from portal.caching import TIMEOUT

from .facet_keys import ONE_PER_PROJECT, facet_key
from .filters.catalogue import Sort
from .models import CatalogueVersion, Project

BATCH = 1000
# Beyond this many changed projects, building the index anew is as quick as bringing it up to
# date.
MOST_CHANGED = 5_000
# Changes are kept for an hour (the catalogue_version migration): an index older than this is
# built anew rather than brought up to date.
OLDEST = datetime.timedelta(minutes=50)
# The index each database's projects last had.
held = {}

STATE = """SELECT coalesce((SELECT version FROM projects_catalogueversion WHERE id = 1), 0),
       pg_current_snapshot()::text, now()"""
CHANGES = """SELECT coalesce(bool_or(change.everything), false),
       coalesce(array_agg(DISTINCT changed.id) FILTER (WHERE changed.id IS NOT NULL), '{}')
FROM projects_cataloguechange AS change
LEFT JOIN LATERAL unnest(change.project_ids) AS changed (id) ON true
WHERE change.xid >= pg_snapshot_xmin(%(snapshot)s::pg_snapshot)::text::bigint
AND NOT pg_visible_in_snapshot(change.xid::text::xid8, %(snapshot)s::pg_snapshot)"""


@dataclass(frozen=True)
class State:
    """A version of the catalogue, and the snapshot and time of the database it was read at."""

    version: int
    snapshot: str
    taken_at: datetime.datetime

    @classmethod
    def now(cls, using):
        with connections[using].cursor() as cursor:
            cursor.execute(STATE)
            return cls(*cursor.fetchone())


@dataclass(frozen=True)
class FacetIndex:
    """The published projects' ids: of those holding each facet key, and all of them in each
    order the list sorts by, as of `state`.

    Ids are 32-bit, as Roaring bitmaps hold them: four billion projects."""

    # {facet key: ids of the published projects holding it}
    holders: dict
    # {sort (Sort.ORDERINGS): the published projects' ids in that order}
    orders: dict
    state: State

    @property
    def version(self):
        return self.state.version

    @classmethod
    def build(cls, using="default"):
        # The state first: whatever is read after it is at least as new.
        state = State.now(using)
        published = Project.objects.using(using).published()
        holders = defaultdict(BitMap)
        rows = published.values_list("pk", "facet_keys")
        # A batch of projects at a time: lists of all million ids would have the worker keep
        # their memory.
        for batch in itertools.batched(rows.iterator(chunk_size=BATCH), BATCH):
            found = defaultdict(list)
            for pk, keys in batch:
                for key in keys:
                    found[key].append(pk)
            for key, ids in found.items():
                holders[key].update(ids)
        frozen = {key: FrozenBitMap(ids) for key, ids in holders.items()}
        return cls(frozen, orders_of(published), state)

    def brought_up_to_date(self, using="default"):
        """This index with the changes its snapshot did not see: the projects they name read
        again, and the orders with them. Built anew after a change to everything, many
        changes, or an hour."""
        state = State.now(using)
        if state.taken_at - self.state.taken_at > OLDEST:
            return self.build(using)
        with connections[using].cursor() as cursor:
            cursor.execute(CHANGES, {"snapshot": self.state.snapshot})
            everything, changed = cursor.fetchone()
        if everything or len(changed) > MOST_CHANGED:
            return self.build(using)
        changed = BitMap(changed)
        holders = {
            key: FrozenBitMap(ids - changed) if ids.intersect(changed) else ids
            for key, ids in self.holders.items()
        }
        published = Project.objects.using(using).published()
        added = defaultdict(list)
        for pk, keys in published.among(changed).values_list("pk", "facet_keys"):
            for key in keys:
                added[key].append(pk)
        for key, ids in added.items():
            holders[key] = FrozenBitMap(holders.get(key, FrozenBitMap()) | BitMap(ids))
        holders = {key: ids for key, ids in holders.items() if ids}
        return FacetIndex(holders, orders_of(published), state)

    def of_facet(self, facet):
        prefix = f"{facet}:"
        return {
            key.removeprefix(prefix): ids
            for key, ids in self.holders.items()
            if key.startswith(prefix)
        }

    @functools.cached_property
    def published(self):
        """Every published project: each holds exactly one key of ONE_PER_PROJECT's facet."""
        return FrozenBitMap.union(FrozenBitMap(), *self.of_facet(ONE_PER_PROJECT).values())

    def holding(self, facet, options):
        """The projects holding any of `options` (rows or choices) of `facet`."""
        empty = BitMap()
        return BitMap.union(
            empty, *(self.holders.get(facet_key(facet, option), empty) for option in options)
        )

    def page(self, sort, projects, window):
        """The ids at the positions `window` (a slice) of `projects` (a BitMap of published
        projects) in `sort` order."""
        order = self.orders[sort]
        if len(projects) == len(order):
            return list(order[window])
        return list(
            itertools.islice((pk for pk in order if pk in projects), window.start, window.stop)
        )

    def counts(self, facet, projects):
        """{option: how many of `projects` (a BitMap) hold it} for each option of `facet`."""
        return {
            option: ids.intersection_cardinality(projects)
            for option, ids in self.of_facet(facet).items()
        }

    def count_per(self, facet, within=None):
        """{option's primary key: number of published projects holding it} for a facet whose
        options are rows (authority, theme), among those holding `within` ((facet, option)),
        leaving out options without any."""
        projects = self.published if within is None else self.holding(*within)
        return {
            int(option): count for option, count in self.counts(facet, projects).items() if count
        }


def orders_of(published):
    """{sort: the ids of `published` in that order}, each sent by the database as one array."""
    ids = published.order_by().aggregate(
        **{
            sort: ArrayAgg("pk", order_by=ordering, default=[])
            for sort, ordering in Sort.ORDERINGS.items()
        }
    )
    return {sort: array.array("I", ids[sort]) for sort in Sort.ORDERINGS}


def current_index(using="default", version=None):
    """The index of the projects as they are now in database `using` (at `version` of the
    catalogue or later, when the caller has read it)."""
    if version is None:
        version = CatalogueVersion.current(using)
    # Inside a transaction, the index may see changes that are never committed: it is used for
    # that transaction alone, and kept by nobody.
    keep = not connections[using].in_atomic_block
    index = held.get(using)
    if index is None:
        index = shared(using) if keep else FacetIndex.build(using)
    if index.version != version:
        index = index.brought_up_to_date(using)
    # A thread that read an older state should not put back an older index.
    if keep and (using not in held or held[using].version <= index.version):
        held[using] = index
    return index


def shared(using):
    """The index in the cache, built by another worker, or one built now and put there."""
    # One entry per database: an entry per version would keep an old index of 2.4 MB (at
    # 100,000 projects) for hours after every change.
    key = f"facet-index:{connections[using].settings_dict['NAME']}"
    index = cache.get(key)
    if index is None:
        index = FacetIndex.build(using)
        cache.set(key, index, timeout=TIMEOUT)
    return index
