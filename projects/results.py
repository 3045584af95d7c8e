"""The results of the projects list, fetched the cheapest way their order allows: a page's ids,
then one query for those projects' fields."""

from portal.caching import cached

from .facet_index import current_index
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
    which the first RANKED are kept.

    Ranking scores every project it ranks; the ranking is the same for everyone until the
    catalogue changes, so it is worked out once and kept.
    """

    def __init__(self, in_order, fields, key, version):
        super().__init__(fields)
        self.in_order = in_order
        self.ranking = cached("project-ranking", key, lambda: list(in_order[:RANKED]), version)

    def ids(self, window):
        if window.stop is not None and window.stop <= len(self.ranking):
            return self.ranking[window]
        return list(self.in_order[window])


def results(filterset, fields, key, version, projects):
    """The published projects' results of a filterset (its valid filters are `key`, and
    `projects` the ids of those they give) to page through, as rows of `fields` (with "pk")."""
    using = filterset.qs.db
    if filterset.sort != Sort.RELEVANCE:
        return IndexedResults(fields, current_index(using, version), filterset.sort, projects)
    # Ranked from the published projects' search vectors alone, a third of the projects table;
    # with other filters, only the projects they leave, however few: no more are scored.
    vectors = PublishedSearchVector.objects.using(using)
    if list(key) != [SEARCH]:
        vectors = vectors.among(projects)
    in_order = vectors.ranked(filterset.form.cleaned_data[SEARCH])
    return RankedResults(in_order.values_list("project_id", flat=True), fields, key, version)
