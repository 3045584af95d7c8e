"""The curated lists that describe projects: themes (what a project works on) and target groups
(whom it is for). Migrations load them; admins curate them, and retire a term rather than delete
one that projects have."""

from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords


class TaxonomyQuerySet(models.QuerySet):
    def current(self):
        """The terms offered for new choices: those not retired."""
        return self.filter(retired=False)


class Taxonomy(models.Model):
    """A curated list of terms: a name, a stable slug, a description and a display position."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    retired = models.BooleanField(
        default=False,
        help_text="A retired term stays on the projects that have it, and on its page, but is "
        "offered for no new choice. Retire a term that projects have instead of deleting it.",
    )

    objects = TaxonomyQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Theme(Taxonomy):
    """What a project works on: cohesion, isolation, English language ..."""

    is_core = models.BooleanField(
        "named in the London Councils publication",
        default=False,
        help_text="The publication's five themes: cohesion, equalities, resilience, "
        "safeguarding and isolation.",
    )

    history = HistoricalRecords()

    class Meta(Taxonomy.Meta):
        pass

    def get_absolute_url(self):
        return reverse("projects:theme", args=[self.slug])


class TargetGroup(Taxonomy):
    """Whom a project is for: young people, older people, new arrivals ..."""

    history = HistoricalRecords()

    class Meta(Taxonomy.Meta):
        pass
