"""Which published projects hold each facet key, as compressed bitmaps of their ids (Roaring,
via pyroaring), from which the list counts any combination of facets in memory; and all of
them in each order the list sorts by, from which it picks a page of any results.

Counting in SQL takes a pass over the projects' keys for each facet with an option chosen, as
each facet's counts ignore its own filter: ten passes for a list filtered in nine facets. With
the ids of each key at hand, every count is the size of an intersection of bitmaps, and only
the filters that are not facets (a search, amounts, dates) need the database.

An index is built from the projects' stored keys (facet_keys.py) and sort columns, and is
valid for as long as FacetIndexVersion's token, which every write changing those of a
published project moves on. Each worker process keeps the index of the token it last saw, and
puts what it builds in the cache for the other workers, so that each change is built once.
"""

import array
import functools
import itertools
from collections import defaultdict
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connections
from pyroaring import BitMap, FrozenBitMap

from portal.caching import TIMEOUT

from .facet_keys import ONE_PER_PROJECT, facet_key
from .filters.catalogue import Sort
from .models import FacetIndexVersion, Project

BATCH = 1000
# The index each database's projects last had, with the token it was built at.
held = {}


@dataclass
class FacetIndex:
    """The published projects' ids: of those holding each facet key, and all of them in each
    order the list sorts by.

    Ids are 32-bit, as Roaring bitmaps hold them: four billion projects."""

    # {facet key: ids of the published projects holding it}
    holders: dict
    # {sort (Sort.ORDERINGS): the published projects' ids in that order}
    orders: dict

    @classmethod
    def build(cls, using="default"):
        published = Project.objects.using(using).published()
        orders = {
            sort: array.array("I", published.order_by(*ordering).values_list("pk", flat=True))
            for sort, ordering in Sort.ORDERINGS.items()
        }
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
        return cls({key: FrozenBitMap(ids) for key, ids in holders.items()}, orders)

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


def current_index(using="default"):
    """The index of the projects as they are now in database `using`."""
    token = FacetIndexVersion.current(using)
    if token is None:
        return FacetIndex.build(using)
    found = held.get(using)
    if found is not None and found[0] == token:
        return found[1]
    # One entry per database, the index with its token: an entry per token would keep an old
    # index of 2.4 MB (at 100,000 projects) for hours after every change.
    key = f"facet-index:{connections[using].settings_dict['NAME']}"
    shared = cache.get(key)
    if shared is not None and shared[0] == token:
        index = shared[1]
    else:
        index = FacetIndex.build(using)
        cache.set(key, (token, index), timeout=TIMEOUT)
    held[using] = (token, index)
    return index
