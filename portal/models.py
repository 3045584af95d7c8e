"""What the apps' models share: Versioned, the abstract model of records whose saves are counted
so that lost updates are caught, and the database checks they declare alike."""

from django.conf import settings
from django.db import models
from django.db.models import Q


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


def at_least(field, minimum, *, name, message=None):
    """A database check that `field` is `minimum` or more (0: not negative)."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": minimum}), name=name, violation_error_message=message
    )


def one_per(*fields, name, message=None):
    """A database rule that no two rows share these `fields`' values."""
    return models.UniqueConstraint(fields=list(fields), name=name, violation_error_message=message)


def recorded_by():
    """The person who did something to a record, kept if they go (SET_NULL)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
