"""Keep derived data in step: each project's stored funding total and facet keys, the cache of
counts and the facet index."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from boroughs.models import Borough, Commission, Recommendation
from portal.caching import catalogue_changed

from .facet_index import current_index
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
def refresh_project_funding(sender, instance, **kwargs):
    funded = Project.objects.filter(pk=instance.project_id)
    funded.refresh_funding_totals()
    funded.refresh_facet_keys()


@receiver(post_save, sender=Project)
def refresh_project_facet_keys(sender, instance, raw=False, **kwargs):
    if not raw:
        Project.objects.filter(pk=instance.pk).refresh_facet_keys()


@receiver(post_save, sender=FundingSettlement)
def refresh_settlement_projects(sender, instance, raw=False, **kwargs):
    if not raw:
        Project.objects.filter(fundings__settlement=instance).refresh_facet_keys()


# What of a funder or borough its projects' facet keys hold: a change elsewhere (a name, a
# description) leaves thousands of projects' keys as they are.
KEYED_FIELDS = {Funder: ["kind"], Borough: ["partnership", "inner_outer_ons"]}


@receiver(pre_save, sender=Funder)
@receiver(pre_save, sender=Borough)
def note_keyed_fields(sender, instance, raw=False, **kwargs):
    fields = KEYED_FIELDS[sender]
    instance.keyed_before = sender.objects.filter(pk=instance.pk).values(*fields).first()


def keyed_fields_changed(instance):
    now = {name: getattr(instance, name) for name in KEYED_FIELDS[type(instance)]}
    return getattr(instance, "keyed_before", None) not in (None, now)


@receiver(post_save, sender=Funder)
def refresh_funder_projects(sender, instance, raw=False, **kwargs):
    if not raw and keyed_fields_changed(instance):
        Project.objects.filter(fundings__settlement__funder=instance).refresh_facet_keys()


@receiver(post_save, sender=Borough)
def refresh_borough_projects(sender, instance, raw=False, **kwargs):
    if not raw and keyed_fields_changed(instance):
        Project.objects.in_facet("borough", [instance]).refresh_facet_keys()


@receiver(post_delete, sender=Commission)
@receiver(post_delete, sender=Theme)
@receiver(post_delete, sender=TargetGroup)
def forget_deleted_option(sender, instance, **kwargs):
    """Deleting a commission, theme or target group unlinks its projects without saving them."""
    facet = {Commission: "commission", Theme: "theme", TargetGroup: "target_group"}[sender]
    Project.objects.in_facet(facet, [instance]).refresh_facet_keys()


FACET_LINKS = [
    Project.themes.through,
    Project.target_groups.through,
    Project.partner_boroughs.through,
]


def refresh_linked_facet_keys(sender, instance, action, **kwargs):
    """A project's themes, target groups or partners changed. (Only from the project's side:
    the project history refuses changes made from the other side.)"""
    if action in ("post_add", "post_remove", "post_clear"):
        Project.objects.filter(pk=instance.pk).refresh_facet_keys()


def forget_counts(sender, instance=None, **kwargs):
    # Work on a project that has never been published shows on no public page, so it leaves
    # every cached page as it is; officers save drafts far more often than they publish.
    if isinstance(instance, Project) and instance.published_at is None:
        return
    catalogue_changed()
    # The facet index of the changed catalogue is built by the request that changed it, once
    # its transaction has committed, rather than by the next researcher's (a no-op unless it
    # changed what the index holds of published projects).
    using = kwargs.get("using", "default")
    transaction.on_commit(lambda: current_index(using), using=using, robust=True)


for model in COUNTED:
    post_save.connect(forget_counts, sender=model, dispatch_uid=f"counts-{model.__name__}")
    post_delete.connect(forget_counts, sender=model, dispatch_uid=f"counts-del-{model.__name__}")
for link in FACET_LINKS:
    m2m_changed.connect(
        refresh_linked_facet_keys, sender=link, dispatch_uid=f"keys-{link.__name__}"
    )
for link in COUNTED_LINKS:
    m2m_changed.connect(forget_counts, sender=link, dispatch_uid=f"counts-{link.__name__}")
