"""Versioned: the abstract model of records whose saves are counted, so that lost updates are
caught."""

from django.db import models


class Versioned(models.Model):
    """A record whose saves are counted, so that a form opened at one version cannot silently
    overwrite a later one (see projects.services.save_edits)."""

    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Counts saves, so that concurrent edits are caught."
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            self.version += 1
        super().save(*args, **kwargs)
