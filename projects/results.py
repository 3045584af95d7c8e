"""The results of the projects list, fetched the cheapest way their order allows: a page's ids,
then one query for those projects' fields."""

import functools

from portal.caching import cached

from .facet_index import current_index
from .facets import NAMED
from .filters.catalogue import SEARCH, Sort
from .models import Project, PublishedSearchVector

# How far a search ranking is kept: 50 pages of 20, beyond which few people read.
RANKED = 1000


class Results:
    """An ordered list of projects to page through, as rows of `fields`; a subclass says which
    ids are in a window of it."""

    def __init__(self, fields):
        self.fields = fields

    def __getitem__(self, window):
        return self.by_ids(self.ids(window))

    def by_ids(self, ids):
        rows = Project.objects.filter(pk__in=ids).with_names().values(*self.fields)
        found = {row["pk"]: row for row in rows}
        return [found[pk] for pk in ids if pk in found]


class IndexedResults(Results):
    """Published projects (a BitMap of their ids) in an order the facet index holds: a page's
    ids are picked from that order in memory, however rarely the newest or the best-funded
    projects match the filters."""

    def __init__(self, fields, index, sort, projects):
        super().__init__(fields)
        self.index = index
        self.sort = sort
        self.projects = projects

    def ids(self, window):
        return self.index.page(self.sort, self.projects, window)


class RankedResults(Results):
    """A search in relevance order: `in_order`, a query of its results' ids in that order, of
    which the first RANKED are kept from a cached ranking (what `ranking` gives, if given).

    Ranking a common word means scoring every project it matches; the ranking is the same for
    everyone until the catalogue changes, so it is worked out once and kept.
    """

    def __init__(self, in_order, fields, key, version, ranking=None):
        super().__init__(fields)
        self.in_order = in_order
        ranking = ranking or (lambda: list(in_order[:RANKED]))
        self.ranking = cached("project-ranking", key, ranking, version)

    def ids(self, window):
        if window.stop is not None and window.stop <= len(self.ranking):
            return self.ranking[window]
        return list(self.in_order[window])


def ranked_vectors(filterset):
    """The ids of the published projects a filterset's search matches, by relevance, read from
    their search vectors alone: a third of the projects table to read."""
    vectors = PublishedSearchVector.objects.using(filterset.qs.db)
    return vectors.ranked(filterset.form.cleaned_data[SEARCH]).values_list("project_id", flat=True)


def ranked_within(ranked_ids, projects, published):
    """The first RANKED of `projects` (a BitMap) in the order of `ranked_ids`, the ids of all
    `published` projects a search matches, by relevance. Read from just enough of the top of
    that ranking to hold them twice over if the other filters leave projects out evenly, and
    from all of it if not."""
    wanted = min(RANKED, len(projects))
    enough = 2 * RANKED * published // max(len(projects), 1)
    found = [pk for pk in ranked_ids[:enough] if pk in projects]
    if len(found) < wanted:
        found = [pk for pk in ranked_ids if pk in projects]
    return found[:RANKED]


def results(filterset, fields, key, version, projects):
    """The published projects' results of a filterset (its valid filters are `key`, and
    `projects` the ids of those they give) to page through, as rows of `fields` (with "pk")."""
    using = filterset.qs.db
    index = current_index(using, version)
    if filterset.sort != Sort.RELEVANCE:
        return IndexedResults(fields, index, filterset.sort, projects)
    if list(key) == [SEARCH]:
        in_order = ranked_vectors(filterset)
    else:
        in_order = filterset.qs.values_list("pk", flat=True)
    ranking = None
    if list(key) != [SEARCH] and len(projects) > NAMED:
        # Results too many to name: their first ones picked from the search vectors' ranking.
        ranking = functools.partial(
            ranked_within, ranked_vectors(filterset), projects, len(index.published)
        )
    return RankedResults(in_order, fields, key, version, ranking)
