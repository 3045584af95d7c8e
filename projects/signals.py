"""Keep each project's stored funding total and facet keys in step with what they are derived
from. (The catalogue's version, which caches and the facet index follow, the database moves on
itself: models/catalogue.py.)"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from boroughs.models import Borough

from .facet_keys import fields_read
from .models import Funder, FundingSettlement, Project, ProjectFunding

# The ids of projects whose keys wait for the end of facet_keys_deferred(), when inside it.
DEFERRED_PROJECTS = ContextVar("deferred_facet_keys", default=None)


def refresh_facet_keys(projects):
    """Work out the facet keys of `projects` (a queryset, or their ids) again: now, or at the
    end of the facet_keys_deferred() block this runs in."""
    deferred = DEFERRED_PROJECTS.get()
    if deferred is None:
        if not isinstance(projects, QuerySet):
            projects = Project.objects.filter(pk__in=projects)
        projects.refresh_facet_keys()
    elif isinstance(projects, QuerySet):
        deferred.update(projects.values_list("pk", flat=True))
    else:
        deferred.update(projects)


@contextmanager
def facet_keys_deferred():
    """Within it, projects' facet keys are worked out once, as it ends, for every project
    changed in it: a thousand rows of an import take a few queries, not seven on each of
    their three saves. Keys are not refreshed when the block raises (its transaction is
    rolled back), so it belongs inside the transaction."""
    deferred = set()
    token = DEFERRED_PROJECTS.set(deferred)
    try:
        yield
    finally:
        DEFERRED_PROJECTS.reset(token)
    refresh_facet_keys(sorted(deferred))


@receiver(post_save, sender=ProjectFunding)
@receiver(post_delete, sender=ProjectFunding)
def refresh_project_funding(sender, instance, **kwargs):
    Project.objects.filter(pk=instance.project_id).refresh_funding_totals()
    refresh_facet_keys([instance.project_id])


@receiver(post_save, sender=Project)
def refresh_project_facet_keys(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh_facet_keys([instance.pk])


@receiver(post_save, sender=FundingSettlement)
def refresh_settlement_projects(sender, instance, created=False, raw=False, **kwargs):
    if not raw and not created:  # a new settlement funds nothing yet
        refresh_facet_keys(Project.objects.filter(fundings__settlement=instance))


# What of a funder or borough its projects' facet keys hold (as the facets declare): a change
# elsewhere (a name, a description) leaves thousands of projects' keys as they are.
KEYED_FIELDS = {Funder: fields_read("Funder"), Borough: fields_read("Borough")}


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
        refresh_facet_keys(Project.objects.filter(fundings__settlement__funder=instance))


@receiver(post_save, sender=Borough)
def refresh_borough_projects(sender, instance, raw=False, **kwargs):
    if not raw and keyed_fields_changed(instance):
        refresh_facet_keys(Project.objects.in_facet("borough", [instance]))


FACET_LINKS = [
    Project.themes.through,
    Project.target_groups.through,
    Project.partner_boroughs.through,
]


def refresh_linked_facet_keys(sender, instance, action, **kwargs):
    """A project's themes, target groups or partners changed. (Only from the project's side:
    the project history refuses changes made from the other side.)"""
    if action in ("post_add", "post_remove", "post_clear"):
        refresh_facet_keys([instance.pk])


for link in FACET_LINKS:
    m2m_changed.connect(
        refresh_linked_facet_keys, sender=link, dispatch_uid=f"keys-{link.__name__}"
    )
