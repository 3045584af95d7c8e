"""Which published projects hold each facet key, as compressed bitmaps of their ids (Roaring,
via pyroaring), from which the site counts any combination of facets in memory; and all of
them in each order the list sorts by (and by end date), with the dates and amounts they are
ordered by, from which the list picks a page of any results and the filters by date and by
amount pick their projects.

Counting in SQL takes a pass over the projects' keys for each facet with an option chosen, as
each facet's counts ignore its own filter: ten passes for a list filtered in nine facets. With
the ids of each key at hand, every count is the size of an intersection of bitmaps, and only
the search and a commission's recommendation need the database. Every count on the site comes
from here: the list's facets, the home page, the authorities' table and profiles, the themes
and the funders.

An index stands for a version of the catalogue (models.catalogue) and the database snapshot
it was read at, everything read in that one snapshot. When the version has moved on, the next
reader brings the index up to date from the changes its snapshot did not see: the projects
they name are read again and put in their places in each order, a few milliseconds for a
publish, where building anew takes most of a second at 100,000 projects. Changing a project
anew is idempotent, so a change read twice does no harm; one never read is impossible, as the
new snapshot is the one the changes are read in. Each worker process keeps its index, one
thread bringing it up to date while the others wait; one built from nothing is shared through
the cache, for the workers that start after it.
"""

import array
import bisect
import contextlib
import datetime
import functools
import itertools
import operator
import threading
from collections import defaultdict
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connections, router, transaction
from django.db.models import BigIntegerField, F, Func, OuterRef, Q, Subquery
from django.db.models.functions import Cast, Extract
from pyroaring import BitMap, FrozenBitMap

from portal.caching import TIMEOUT
from portal.memory import release_freed_memory

from .facet_keys import ONE_PER_PROJECT, facet_key
from .filters.catalogue import Sort
from .models import CatalogueVersion, Project

BATCH = 1000
# Beyond this many changed projects, building the index anew is as quick as bringing it up to
# date.
MOST_CHANGED = 5_000
# Beyond this many, the orders are read anew rather than each changed project put in its place
# (which, for the title, PostgreSQL counts).
FEW_CHANGED = 50
# Changes are kept for an hour (the catalogue_version migration): an index older than this is
# built anew rather than brought up to date.
OLDEST = datetime.timedelta(minutes=50)
# The index each database's projects last had.
held = {}
bringing_up_to_date = threading.Lock()

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


def days(day):
    """A date as a whole number of days; no date (a project with no end yet) after every
    date."""
    return day.toordinal() if day else NEVER_ENDS


NEVER_ENDS = datetime.date.max.toordinal() + 1


class Days(Func):
    """A date as days() counts it, worked out by PostgreSQL."""

    template = f"COALESCE(%(expressions)s - DATE '0001-01-01' + 1, {NEVER_ENDS})"
    output_field = BigIntegerField()


@dataclass(frozen=True)
class Ordered:
    """How the index holds an order of the published projects: by a value (an expression
    giving a whole number), highest first with the highest id first among equals (as the
    list's sorts by date and by money), held beside each id; or, without a value, by
    `ordering` (the title's, which only PostgreSQL's collation can compare)."""

    ordering: tuple
    value: object = None


# Every order the index holds: the list's sorts, and the projects by end date, from which the
# filters by date and by amount pick their projects.
ORDERS = {
    Sort.NEWEST: Ordered(
        Sort.ORDERINGS[Sort.NEWEST],
        Cast(Extract("published_at", "epoch", tzinfo=datetime.UTC) * 1_000_000, BigIntegerField()),
    ),
    Sort.START: Ordered(Sort.ORDERINGS[Sort.START], Days(F("start_date"))),
    Sort.FUNDING: Ordered(
        Sort.ORDERINGS[Sort.FUNDING], Cast(F("funding_total") * 100, BigIntegerField())
    ),
    Sort.TITLE: Ordered(Sort.ORDERINGS[Sort.TITLE]),
    "end": Ordered((F("end_date").desc(nulls_first=True), "-pk"), Days(F("end_date"))),
}


@dataclass(frozen=True)
class Order:
    """Published projects' ids in one order, with the integers they are ordered by (highest
    first) when the order has them: those with one within bounds are a slice, found by
    bisection."""

    ids: array.array
    values: array.array = None

    def between(self, low=None, high=None):
        """The projects whose integer is from `low` to `high` (both included; None for no
        bound)."""
        first = 0 if high is None else bisect.bisect_left(self.values, -high, key=operator.neg)
        last = (
            len(self.ids)
            if low is None
            else bisect.bisect_right(self.values, -low, key=operator.neg)
        )
        return BitMap(self.ids[first:last])

    def changed(self, removed, added):
        """This order without the projects `removed` (a BitMap), with those `added`
        ([(id, integer or position)]) in their places."""
        ids = array.array("I", self.ids)
        values = None if self.values is None else array.array("q", self.values)
        for pk in removed:
            try:
                at = ids.index(pk)
            except ValueError:  # not published before
                continue
            del ids[at]
            if values is not None:
                del values[at]
        if values is None:
            # Positions in the new order: the lowest first, each among those before it.
            for pk, position in sorted(added, key=operator.itemgetter(1)):
                ids.insert(position, pk)
            return Order(ids)
        for pk, value in added:
            at = bisect.bisect_left(
                range(len(ids)), (-value, -pk), key=lambda i: (-values[i], -ids[i])
            )
            ids.insert(at, pk)
            values.insert(at, value)
        return Order(ids, values)


@dataclass(frozen=True)
class FacetIndex:
    """The published projects' ids: of those holding each facet key, and all of them in each
    order the index holds (ORDERS), as of `state`.

    Ids are 32-bit, as Roaring bitmaps hold them: four billion projects."""

    # {facet key: ids of the published projects holding it}
    holders: dict
    # {ORDERS' name: Order}
    orders: dict
    state: State

    @property
    def version(self):
        return self.state.version

    @classmethod
    def build(cls, using="default"):
        with snapshot(using):
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
        again, and put in their places in each order (the orders read anew after more than a
        few changes). Built anew after a change to everything, many changes, or an hour."""
        with snapshot(using):
            state = State.now(using)
            if state.taken_at - self.state.taken_at > OLDEST:
                return self.build(using)
            with connections[using].cursor() as cursor:
                cursor.execute(CHANGES, {"snapshot": self.state.snapshot})
                everything, changed = cursor.fetchone()
            if everything or len(changed) > MOST_CHANGED:
                return self.build(using)
            changed = BitMap(changed)
            published = Project.objects.using(using).published()
            few = len(changed) <= FEW_CHANGED
            rows = published.among(changed).order_by().values("pk", "facet_keys")
            if few:
                rows = rows.annotate(**placed_in_orders(published))
            holders = {
                key: FrozenBitMap(ids - changed) if ids.intersect(changed) else ids
                for key, ids in self.holders.items()
            }
            added = defaultdict(list)
            rows = list(rows)
            for row in rows:
                for key in row["facet_keys"]:
                    added[key].append(row["pk"])
            for key, ids in added.items():
                holders[key] = FrozenBitMap(holders.get(key, FrozenBitMap()) | BitMap(ids))
            holders = {key: ids for key, ids in holders.items() if ids}
            if not few:
                return FacetIndex(holders, orders_of(published), state)
            orders = {
                name: order.changed(
                    changed,
                    [(row["pk"], row[f"order_{name}"]) for row in rows],
                )
                for name, order in self.orders.items()
            }
            return FacetIndex(holders, orders, state)

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
        order = self.orders[sort].ids
        if len(projects) == len(order):
            return list(order[window])
        return list(
            itertools.islice((pk for pk in order if pk in projects), window.start, window.stop)
        )

    def funded_between(self, low=None, high=None):
        """The projects whose funding total is from `low` to `high` pounds (both included;
        None for no bound), as the list's amount filters choose them."""
        low, high = (None if pounds is None else pounds * 100 for pounds in (low, high))
        return self.orders[Sort.FUNDING].between(low, high)

    def active_between(self, start, end):
        """The projects running at any time from `start` to `end` (dates, both included), as
        ProjectQuerySet.active_between chooses them: started by the end, not ended before the
        start."""
        started = self.orders[Sort.START].between(high=days(end))
        return started & self.orders["end"].between(low=days(start))

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
    """{name: Order} of `published` in each of ORDERS: each order read by a scan of the index
    that keeps it (models.project), sent as an array of ids and one of values."""
    arrays = {}
    for name, ordered in ORDERS.items():
        in_order = published.order_by(*ordered.ordering)
        arrays[name] = in_order.values("pk")
        if ordered.value is not None:
            arrays[f"{name}_values"] = in_order.values(value=ordered.value)
    read = arrays_of(arrays, published.db)
    return {
        name: Order(array.array("I", read[name]), read.get(f"{name}_values")) for name in ORDERS
    }


def placed_in_orders(published):
    """For a changed project, annotations of where it goes in each order: the integer it is
    ordered by, or (the title's) how many published projects come before it."""
    placed = {}
    for name, ordered in ORDERS.items():
        if ordered.value is not None:
            placed[f"order_{name}"] = ordered.value
            continue
        first, _ = ordered.ordering
        before = published.filter(
            Q(**{f"{first}__lt": OuterRef(first)})
            | Q(**{first: OuterRef(first), "pk__lt": OuterRef("pk")})
        )
        placed[f"order_{name}"] = Subquery(
            before.order_by().annotate(count=Func("pk", function="COUNT")).values("count")
        )
    return placed


@contextlib.contextmanager
def snapshot(using):
    """One snapshot of the database for everything read inside, so that an index stands for
    exactly the state it was read at. Inside a transaction already, what it sees."""
    connection = connections[using]
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic(using):
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


def arrays_of(querysets, using):
    """{name: the one column of `querysets[name]`, whole numbers, in its order, as an array of
    64-bit integers}, in one query. Each is sent as text, in a row of its own, and made an
    array in turn: as lists of numbers all at once they took 40 MB at 100,000 projects, and in
    one row the connection's buffer, which libpq keeps at the size of the largest row it has
    received, kept 6 MB."""
    compiled = [queryset.query.get_compiler(using).as_sql() for queryset in querysets.values()]
    sql = " UNION ALL ".join(
        f"SELECT {position}, ARRAY_TO_STRING(ARRAY({subquery}), ',')"
        for position, (subquery, _) in enumerate(compiled)
    )
    names = list(querysets)
    arrays = {}
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [param for _, params in compiled for param in params])
        for position, numbers in cursor:
            arrays[names[position]] = array.array(
                "q", map(int, numbers.split(",")) if numbers else ()
            )
    return arrays


def current_index(using=None, version=None):
    """The index of the projects as they are now in database `using` (by default the one the
    request reads the catalogue from), at `version` of the catalogue or later, when the caller
    has read it."""
    using = using or router.db_for_read(Project)
    if version is None:
        version = CatalogueVersion.current(using)
    if connections[using].in_atomic_block:
        # Inside a transaction, the index may see changes that are never committed: it is used
        # for that transaction alone, and kept by nobody.
        index = held.get(using) or FacetIndex.build(using)
        return index if index.version == version else index.brought_up_to_date(using)
    # One thread brings the index up to date while the others wait for it, rather than each
    # doing the same.
    with bringing_up_to_date:
        kept = held.get(using)
        index = kept or shared(using)
        if index.version != version:
            index = index.brought_up_to_date(using)
        held[using] = index
    if index is not kept:
        # Reading, building or bringing up to date an index frees about as much as it keeps.
        release_freed_memory()
    return index


def shared(using):
    """The index in the cache, built by another worker, or one built now and put there."""
    # One entry per database: an entry per version would keep an old index of 2.4 MB (at
    # 100,000 projects) for hours after every change. A replica's is its own: the primary's
    # may hold projects that the replica does not have yet.
    key = f"facet-index:{using}:{connections[using].settings_dict['NAME']}"
    index = cache.get(key)
    if index is None:
        index = FacetIndex.build(using)
        cache.set(key, index, timeout=TIMEOUT)
    return index
