"""Keep derived data in step: each project's stored funding total, and the cache of counts."""

from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from boroughs.models import Borough, Commission, Recommendation

from .caching import catalogue_changed
from .models import (
    Funder,
    FundingSettlement,
    Project,
    ProjectFunding,
    TargetGroup,
    Theme,
    YearlyAllocation,
)

COUNTED = [
    Project,
    ProjectFunding,
    FundingSettlement,
    YearlyAllocation,
    Funder,
    Commission,
    Recommendation,
    Theme,
    TargetGroup,
    Borough,
]
COUNTED_LINKS = [
    Project.themes.through,
    Project.target_groups.through,
    Project.partner_boroughs.through,
    Project.recommendations.through,
    Commission.partner_boroughs.through,
    Recommendation.themes.through,
]


@receiver(post_save, sender=ProjectFunding)
@receiver(post_delete, sender=ProjectFunding)
def refresh_project_funding_total(sender, instance, **kwargs):
    Project.objects.filter(pk=instance.project_id).refresh_funding_totals()


def forget_counts(sender, instance=None, **kwargs):
    # Work on a project that has never been published shows on no public page, so it leaves
    # every cached page as it is; officers save drafts far more often than they publish.
    if isinstance(instance, Project) and instance.published_at is None:
        return
    catalogue_changed()


for model in COUNTED:
    post_save.connect(forget_counts, sender=model, dispatch_uid=f"counts-{model.__name__}")
    post_delete.connect(forget_counts, sender=model, dispatch_uid=f"counts-del-{model.__name__}")
for link in COUNTED_LINKS:
    m2m_changed.connect(forget_counts, sender=link, dispatch_uid=f"counts-{link.__name__}")
