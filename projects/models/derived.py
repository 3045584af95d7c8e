"""Data derived from projects that database triggers keep in step with every write (the
projects app's first migration): how many published projects hold each facet key, the facet
index's version, and a copy of the published projects' search vectors."""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchRank, SearchVectorField
from django.db import models
from django.db.models import F

from ..facet_keys import ONE_PER_PROJECT, keys_by_facet, projects_counted
from .project import BY_RELEVANCE, Project, web_search_query


class FacetKeyCountQuerySet(models.QuerySet):
    def within(self, key=""):
        """The counts among the published projects holding `key`; of them all by default."""
        return self.filter(within=key)

    def by_facet(self):
        """{facet: {option: number of published projects}}, as facets.key_counts gives them."""
        return keys_by_facet(self.values_list("key", "projects"))

    def of_facet(self, facet):
        return self.filter(key__startswith=f"{facet}:")

    def total(self):
        """How many published projects are counted."""
        return projects_counted(self.of_facet(ONE_PER_PROJECT).by_facet())

    def per_row(self, facet):
        """{primary key: number of published projects} for a facet whose options are rows
        (borough, theme), leaving out options without any, as count_by_borough and
        count_by_theme count them."""
        counted = self.of_facet(facet).filter(projects__gt=0).by_facet().get(facet, {})
        return {int(option): n for option, n in counted.items()}


class FacetKeyCount(models.Model):
    """How many published projects hold each facet key: of them all (`within` empty), and of
    those holding another key (`within` that key), so that the counts per borough and theme on
    the home page, the boroughs index and profiles and the funding pages take one small query
    instead of a pass over projects' keys.

    Database triggers (the projects app's first migration) keep it in step with every insert,
    update and delete of a project, whatever makes them (a form, a bulk update, a cascade, a
    COPY).
    """

    pk = models.CompositePrimaryKey("within", "key")
    within = models.CharField(max_length=100, blank=True)
    key = models.CharField(max_length=100)
    projects = models.IntegerField(default=0)

    objects = FacetKeyCountQuerySet.as_manager()

    def __str__(self):
        return f"{self.key} within {self.within or 'all'}: {self.projects}"


class FacetIndexVersion(models.Model):
    """One row whose token a trigger sets anew, in the writer's own transaction, whenever a
    write changes which published projects hold which facet keys, or how they sort (the first
    migration): the facet index built from them and held in memory (facet_index.py) is valid
    for as long as the token it was built at.

    The token is random rather than a counter: a rolled-back transaction's number would be
    handed out again by the next, for other rows."""

    token = models.CharField(max_length=36)

    def __str__(self):
        return self.token

    @classmethod
    def current(cls, using="default"):
        """The current token, or None if the table has been emptied since a write."""
        return cls.objects.using(using).values_list("token", flat=True).first()


class PublishedSearchVectorQuerySet(models.QuerySet):
    def matching(self, text):
        return self.filter(search_vector=web_search_query(text))

    def not_matching(self, text):
        return self.exclude(search_vector=web_search_query(text))

    def ranked(self, text):
        """Those matching `text` in the order ProjectFilterSet sorts a search by relevance."""
        rank = SearchRank(F("search_vector"), web_search_query(text))
        return self.matching(text).annotate(rank=rank).order_by(*BY_RELEVANCE)


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
