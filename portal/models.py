"""What the apps' models share: Versioned, the abstract model of records whose saves are counted
so that lost updates are caught, the database checks they declare alike, and the outbox of
emails the portal sends."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now


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


class LinksManager(models.Manager):
    """A link table's rows with the records they link (`related`, less their `deferred`
    fields). Made a link model's base manager, it is how Django's deletion collector reads
    links, so the admin's page of what protects a record names thousands of them, each by its
    record, in one query rather than one a link."""

    use_in_migrations = True

    def __init__(self, related=(), deferred=()):
        super().__init__()
        self.related, self.deferred = list(related), list(deferred)

    def get_queryset(self):
        return super().get_queryset().select_related(*self.related).defer(*self.deferred)


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


class OutgoingEmailQuerySet(models.QuerySet):
    def due(self, now):
        """Not yet sent, and due to be tried (again)."""
        return self.filter(sent_at__isnull=True, next_attempt_at__lte=now)


class OutgoingEmail(models.Model):
    """An email written in the same transaction as the step it tells of (portal/outbox.py), so
    that it is kept exactly when the step is, and sent after: at once, and again later by
    `manage.py deliver_email` for as long as the mail server does not take it."""

    recipients = ArrayField(models.EmailField())
    subject = models.CharField(max_length=255)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_default=Now())
    last_error = models.TextField(blank=True)

    objects = OutgoingEmailQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(sent_at__isnull=True),
                name="outgoing_email_due",
            )
        ]

    def __str__(self):
        return f"{self.subject} to {', '.join(self.recipients)}"
