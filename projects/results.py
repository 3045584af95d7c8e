"""The results of the projects list, fetched the cheapest way their order allows."""

from django.db import connections

from .caching import cached
from .filters import SEARCH, Sort
from .models import Project, PublishedSearchVector

# How far a search ranking is kept: 50 pages of 20, beyond which few people read.
RANKED = 1000


class Results:
    """A filtered, ordered list of projects to page through, as rows of `fields`.

    The first page comes in one query. A later one comes in two steps: the page's ids in order
    (an index gives them, and nothing is worked out for the rows skipped over), then those
    projects' fields.
    """

    def __init__(self, listed, fields):
        # Not named "ordered": Paginator reads an `ordered` attribute as QuerySet.ordered.
        self.listed = listed
        self.fields = fields

    def rows(self, projects):
        return projects.with_names().values(*self.fields)

    def ids(self, window):
        return list(self.listed.values_list("pk", flat=True)[window])

    def __getitem__(self, window):
        if not window.start:
            return list(self.rows(self.listed)[window])
        return self.by_ids(self.ids(window))

    def by_ids(self, ids):
        found = {row["pk"]: row for row in self.rows(Project.objects.filter(pk__in=ids))}
        return [found[pk] for pk in ids if pk in found]


class RankedResults(Results):
    """A search in relevance order, its first RANKED ids kept from a cached ranking (the ids
    of `listed` in its order, as `ranked_ids` gives them).

    Ranking a common word means scoring every project it matches; the ranking is the same for
    everyone until the catalogue changes, so it is worked out once and kept.
    """

    def __init__(self, listed, fields, key, version, ranked_ids):
        super().__init__(listed, fields)
        self.ranking = cached("project-ranking", key, lambda: list(ranked_ids[:RANKED]), version)

    def __getitem__(self, window):
        if window.stop is not None and window.stop <= len(self.ranking):
            return self.by_ids(self.ranking[window])
        return self.by_ids(self.ids(window))


def results(filterset, fields, key, version):
    """The published projects' results of a filterset (its valid filters are `key`) to page
    through, as rows of `fields` (with "pk")."""
    if filterset.sort != Sort.RELEVANCE:
        return Results(filterset.qs, fields)
    ranked_ids = filterset.qs.values_list("pk", flat=True)
    if list(key) == [SEARCH] and connections[filterset.qs.db].vendor == "postgresql":
        # A search alone ranks the published projects' search vectors and reads nothing else.
        vectors = PublishedSearchVector.objects.using(filterset.qs.db)
        text = filterset.form.cleaned_data[SEARCH]
        ranked_ids = vectors.ranked(text).values_list("project_id", flat=True)
    return RankedResults(filterset.qs, fields, key, version, ranked_ids)
