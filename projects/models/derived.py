"""Data derived from projects that database triggers keep in step with every write (the
projects app's first migration): a copy of the published projects' search vectors."""

from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchRank, SearchVectorField
from django.db import models
from django.db.models import F

from .project import BY_RELEVANCE, EqualsAny, Project, web_search_query


class PublishedSearchVectorQuerySet(models.QuerySet):
    def matching(self, text):
        return self.filter(search_vector=web_search_query(text))

    def not_matching(self, text):
        return self.exclude(search_vector=web_search_query(text))

    def among(self, ids):
        """Those of the projects whose ids are in `ids`, as one array parameter."""
        return self.filter(EqualsAny(F("project_id"), list(ids)))

    def ranking(self, text, most=None):
        """The ids of the projects matching `text`, best first (the order ProjectFilterSet
        sorts a search by relevance): the first `most` of them, or all."""
        ranked = self.matching(text).annotate(
            rank=SearchRank(F("search_vector"), web_search_query(text))
        )
        if most is not None:
            return list(ranked.order_by(*BY_RELEVANCE).values_list("pk", flat=True)[:most])
        # All of them as one array: Django reads rows a hundred at a time.
        return ranked.aggregate(ids=ArrayAgg("pk", order_by=BY_RELEVANCE, default=[]))["ids"]


class PublishedSearchVector(models.Model):
    """Each published project's search vector, in a table of nothing else, which database
    triggers keep equal to the published projects' own.

    Ranking a search, or finding the projects a common word leaves out, is a pass over all the
    vectors: this table is a third the size of the projects table, and reading it takes half
    the time (projects/results.py and facets.py say when the list reads it)."""

    project = models.OneToOneField(
        Project,
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    search_vector = SearchVectorField()

    objects = PublishedSearchVectorQuerySet.as_manager()

    class Meta:
        indexes = [GinIndex(fields=["search_vector"], name="published_search_vector")]

    def __str__(self):
        return f"Search vector of project {self.project_id}"
