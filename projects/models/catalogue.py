"""What the public sees, versioned by the database itself.

Triggers (migration 0003) watch every table whose rows a public page shows. A statement that
changes what the public may see (a published project, its links and funding, settlements,
funders, commissions, themes, authorities; not a draft never published) adds a CatalogueChange
naming the projects it changed; when its transaction commits, the CatalogueVersion moves on.
So a reader in another transaction keeps seeing the old version with the old data, every kind
of write (a save, QuerySet.update(), a bulk action, an import, raw SQL, a migration) moves it,
and the version only moves once the data it stands for can be read.

Caches key what they keep by the version; the facet index in memory brings itself up to date
from the changes its snapshot of the catalogue did not see (facet_index.py).
"""

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Now


class CatalogueVersion(models.Model):
    """The one row whose `version` the database moves on as each transaction that changed what
    the public sees commits (numbered in the order they commit)."""

    version = models.BigIntegerField(default=1)

    def __str__(self):
        return str(self.version)

    @classmethod
    def current(cls, using=None):
        """The version now, in database `using` (by default the one the request reads the
        catalogue from: a replica's version is that of the data it holds); 0 while the table
        is empty (emptied, and no change since)."""
        return cls.objects.using(using).values_list("version", flat=True).filter(pk=1).first() or 0


class CatalogueChange(models.Model):
    """What one statement changed of what the public sees: the projects it inserted, changed
    or deleted that are (or were) published, or `everything` (a TRUNCATE). Kept for an hour,
    for the facet indexes that are bringing themselves up to date."""

    #: The writing transaction (pg_current_xact_id()), to tell which snapshots see the change.
    xid = models.BigIntegerField()
    project_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    everything = models.BooleanField(default=False)
    at = models.DateTimeField(db_default=Now())

    class Meta:
        indexes = [models.Index(fields=["xid"]), models.Index(fields=["at"])]

    def __str__(self):
        return f"Change by transaction {self.xid}"
