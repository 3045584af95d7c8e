"""Changes to public records that wait for a reviewer: an officer's new or changed funding
settlement or commission, and a reviewer's change to a published project, is kept here, as the
form's data, until a reviewer of the authority (not the proposer) approves it, which saves it
through the same form; public pages show the record as last approved meanwhile."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from boroughs.models import Borough, Commission

from .funding import FundingSettlement
from .project import Project


class ProposedChangeQuerySet(models.QuerySet):
    def waiting(self):
        return self.filter(state=ProposedChange.State.SUBMITTED)

    def for_reviewer(self, user):
        """Those the user may decide on: their authorities' (all, for staff), not their own."""
        mine = self.exclude(proposed_by=user)
        if user.is_staff:
            return mine
        return mine.filter(
            authority__memberships__user=user, authority__memberships__role="reviewer"
        )

    def of_officer(self, user):
        if user.is_staff:
            return self
        return self.filter(authority__memberships__user=user)


class ProposedChange(models.Model):
    class Kind(models.TextChoices):
        """What is changed; each value names the field holding the record changed."""

        SETTLEMENT = "settlement", "Funding settlement"
        COMMISSION = "commission", "Commission"
        PROJECT = "project", "Project"

    class State(models.TextChoices):
        SUBMITTED = "submitted", "Waiting for a reviewer"
        APPROVED = "approved", "Approved"
        RETURNED = "returned", "Returned"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    settlement = models.ForeignKey(
        FundingSettlement, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    commission = models.ForeignKey(
        Commission, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="proposed_changes"
    )
    authority = models.ForeignKey(Borough, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=300, help_text="What the change is to, as entered.")
    data = models.JSONField(help_text="The form's data as the officer sent it.")
    state = models.CharField(max_length=10, choices=State.choices, default=State.SUBMITTED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)

    objects = ProposedChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        indexes = [models.Index(fields=["state", "authority"])]

    def __str__(self):
        what = "New" if self.record is None else "Changed"
        return f"{what} {self.get_kind_display().lower()}: {self.title}"

    @property
    def record(self):
        return getattr(self, self.kind)
