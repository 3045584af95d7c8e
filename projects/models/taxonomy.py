"""The curated lists that describe projects: themes (what a project works on) and target groups
(whom it is for). Migrations load them; admins curate them."""

from django.db import models
from django.urls import reverse


class Taxonomy(models.Model):
    """A curated list of terms: a name, a stable slug, a description and a display position."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

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

    class Meta(Taxonomy.Meta):
        pass

    def get_absolute_url(self):
        return reverse("projects:theme", args=[self.slug])


class TargetGroup(Taxonomy):
    """Whom a project is for: young people, older people, new arrivals ..."""

    class Meta(Taxonomy.Meta):
        pass
