"""The results of the projects list, fetched the cheapest way their order allows: a page's ids,
then one query for those projects' fields."""

from itertools import islice

from portal.caching import cached

from .facet_index import current_index
from .filters.catalogue import SEARCH, Sort
from .models import Project, PublishedSearchVector

# Results of a search this few are ranked among themselves alone.
FEW = 2_000
# How many of a search's best matches are ranked first, for the first pages of any results.
TOP = 2_000


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
    match: a page's ids are picked in memory from a ranking of the search's matches (their
    ids, best first), the first of `rankings` that holds the page. `rankings`, shortest first,
    are pairs of how many ids a ranking holds at most (None: every match) and a function
    giving it."""

    def __init__(self, fields, rankings, projects):
        super().__init__(fields)
        self.rankings = rankings
        self.projects = projects

    def ids(self, window):
        for most, ranking in self.rankings:
            ranked = ranking()
            picked = (pk for pk in ranked if pk in self.projects)
            page = list(islice(picked, window.start, window.stop))
            if most is None or len(ranked) < most or len(page) == window.stop - window.start:
                return page


def results(filterset, fields, key, version, projects):
    """The published projects' results of a filterset (its valid filters are `key`, and
    `projects` the ids of those they give) to page through, as rows of `fields` (with "pk")."""
    using = filterset.qs.db
    if filterset.sort != Sort.RELEVANCE:
        return IndexedResults(fields, current_index(using, version), filterset.sort, projects)
    # Ranking scores every project it ranks, from the published projects' search vectors
    # alone. A few results are ranked among themselves; more, from the search's ranking, the
    # same for every combination of filters with the search until the catalogue changes: its
    # first TOP (as quick to find as the best one), and every match only for a page beyond.
    text = filterset.form.cleaned_data[SEARCH]
    vectors = PublishedSearchVector.objects.using(using)

    def ranking(parameters, compute):
        return lambda: cached("search-ranking", parameters, compute, version)

    if len(projects) <= FEW:
        among = ranking(key, lambda: vectors.among(projects).ranking(text))
        return RankedResults(fields, [(None, among)], projects)
    top = ranking({SEARCH: text, "most": TOP}, lambda: vectors.ranking(text, TOP))
    every = ranking({SEARCH: text}, lambda: vectors.ranking(text))
    return RankedResults(fields, [(TOP, top), (None, every)], projects)
