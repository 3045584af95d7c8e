"""The results of the projects list, fetched the cheapest way their order allows: a page's ids,
then one query for those projects' fields."""

from itertools import islice

from portal.caching import cached

from .facet_index import current_index
from .filters.catalogue import SEARCH, Sort
from .models import Project, PublishedSearchVector


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
    """Published projects (a BitMap of their ids) in the relevance order of a search they all
    match: a page's ids are picked in memory from `ranking`, the ids of every project the
    search matches, best first."""

    def __init__(self, fields, ranking, projects):
        super().__init__(fields)
        self.ranking = ranking
        self.projects = projects

    def ids(self, window):
        results = (pk for pk in self.ranking if pk in self.projects)
        return list(islice(results, window.start, window.stop))


def results(filterset, fields, key, version, projects):
    """The published projects' results of a filterset (its valid filters are `key`, and
    `projects` the ids of those they give) to page through, as rows of `fields` (with "pk")."""
    using = filterset.qs.db
    if filterset.sort != Sort.RELEVANCE:
        return IndexedResults(fields, current_index(using, version), filterset.sort, projects)
    # Ranking scores every project the search matches, whatever the other filters: the same
    # for every combination of filters with this search until the catalogue changes, so it is
    # worked out once for them all, from the published projects' search vectors alone.
    text = filterset.form.cleaned_data[SEARCH]
    ranking = cached(
        "search-ranking",
        {SEARCH: text},
        lambda: PublishedSearchVector.objects.using(using).ranking(text),
        version,
    )
    return RankedResults(fields, ranking, projects)
