"""What officers and admins do to projects, commissions and settlements, each in one place.

Each function is keyword-only and atomic; it checks who may do it and from which state, records
the step, and sends its emails only once the transaction has committed. Views and admin actions
call these; they never change publication states themselves.

Who may do what (a project belongs to its lead authority):
- an editor of the authority creates projects and edits and submits drafts;
- a reviewer of the authority may also edit submitted and published projects, publish or return
  submitted ones (returning needs a comment) and archive published ones;
- staff (admins) may do everything, for every authority.
Editing a published project is for reviewers only, and a reviewer's change waits, as an
officer's settlements and commissions do, for another reviewer of the authority (or an admin)
to approve it: a public page never changes on one person's word. An admin's goes live at once.

Two more rules stand in the way of a step the role and state allow (`blockers`): a project is
submitted and published only when complete (Project.publication_checklist), and no one publishes
a project they created or submitted: a second reviewer of the authority, or an admin, must.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from boroughs.models import Membership
from portal.outbox import queue_email

from .models import FormerSlug, FundingSettlement, Project, ProjectTransition, ProposedChange

State = Project.PublicationState
Action = ProjectTransition.Action


class WorkflowError(Exception):
    """The step is not possible now; the message says why."""


class EditConflict(Exception):
    """Someone else saved the record since it was opened; `current` is what they saved."""

    def __init__(self, current):
        super().__init__("This record was changed by someone else while you were editing it.")
        self.current = current


def role_in(user, borough_id):
    """The user's role in the authority: "reviewer" for staff, None for outsiders."""
    if user.is_staff:
        return Membership.Role.REVIEWER
    return Membership.objects.roles_of(user).get(borough_id)


@dataclass(frozen=True)
class Step:
    action: str
    from_states: tuple
    to_state: str
    roles: tuple
    needs_comment: bool = False


EDITORS = (Membership.Role.EDITOR, Membership.Role.REVIEWER)
REVIEWERS = (Membership.Role.REVIEWER,)

STEPS = {
    Action.SUBMIT: Step(Action.SUBMIT, (State.DRAFT,), State.SUBMITTED, EDITORS),
    Action.PUBLISH: Step(Action.PUBLISH, (State.SUBMITTED,), State.PUBLISHED, REVIEWERS),
    Action.RETURN: Step(Action.RETURN, (State.SUBMITTED,), State.DRAFT, REVIEWERS, True),
    Action.ARCHIVE: Step(Action.ARCHIVE, (State.PUBLISHED,), State.ARCHIVED, REVIEWERS),
}
# Which states each role may edit a project in.
EDITABLE_STATES = {
    Membership.Role.EDITOR: (State.DRAFT,),
    Membership.Role.REVIEWER: (State.DRAFT, State.SUBMITTED, State.PUBLISHED),
}


def can_edit(user, project):
    role = role_in(user, project.lead_borough_id)
    return role is not None and project.publication_state in EDITABLE_STATES[role]


def can_create_in(user, borough):
    return role_in(user, borough.pk) is not None


def steps_of_role(user, project):
    """The steps the user's role allows from the project's state, blocked or not."""
    role = role_in(user, project.lead_borough_id)
    return [
        step.action
        for step in STEPS.values()
        if role in step.roles and project.publication_state in step.from_states
    ]


def allowed_actions(user, project):
    """The workflow steps this user may take on this project now."""
    return [
        action for action in steps_of_role(user, project) if not blockers(user, project, action)
    ]


def blocked_actions(user, project):
    """{action: [what stands in its way]} for the steps the user's role and the project's state
    allow but another rule blocks."""
    blocked = {action: blockers(user, project, action) for action in steps_of_role(user, project)}
    return {action: reasons for action, reasons in blocked.items() if reasons}


def blockers(user, project, action):
    """What stands in the way of `user` taking `action` on `project`, beyond their role and its
    state: messages saying what to do; [] when nothing does."""
    reasons = []
    if action in (Action.SUBMIT, Action.PUBLISH):
        reasons += [f"{to_do}." for to_do in project.missing_for_publication()]
    if action == Action.PUBLISH and user.pk in authors_of(project):
        reasons.append(second_reviewer_needed(user, project))
    return reasons


def authors_of(project):
    """The keys of who created the project and who last submitted it."""
    submitter = (
        project.transitions.filter(action=Action.SUBMIT)
        .order_by("-at", "-pk")
        .values_list("by", flat=True)
        .first()
    )
    return {project.created_by_id, submitter} - {None}


def second_reviewer_needed(user, project):
    """Why the user may not publish their own project, and who may."""
    authority = project.lead_borough
    others = [
        membership.user
        for membership in Membership.objects.filter(
            borough=authority, role=Membership.Role.REVIEWER, user__is_active=True
        )
        .exclude(user=user)
        .select_related("user")
        .order_by("user__username")
    ]
    said = "You created or submitted this project, so someone else must publish it: "
    if others:
        return said + f"another reviewer of {authority} ({people(others)}) or an administrator."
    admins = get_user_model().objects.filter(is_staff=True, is_active=True).exclude(pk=user.pk)
    admins = list(admins.order_by("username")[:3])
    if admins:
        return said + (
            f"{authority} has no other reviewer, so ask an administrator ({people(admins)}) to "
            "publish it or to make another officer a reviewer."
        )
    return said + f"{authority} has no other reviewer and the portal no other administrator."


def people(users):
    return ", ".join(
        f"{user.get_full_name() or user.username} <{user.email}>" if user.email else user.username
        for user in users
    )


def take_step(*, project, action, by, comment=""):
    """Move the project one step through review and record who did it, when and why."""
    step = STEPS[action]
    if role_in(by, project.lead_borough_id) not in step.roles:
        raise PermissionDenied(f"You cannot {Action(action).label.lower()} this project.")
    comment = comment.strip()
    if step.needs_comment and not comment:
        raise WorkflowError("Say what needs changing, so the editor knows what to do.")
    with transaction.atomic():
        locked = Project.objects.select_for_update().get(pk=project.pk)
        if locked.publication_state not in step.from_states:
            raise WorkflowError(
                f"This project is {locked.get_publication_state_display().lower()}, so it "
                f"cannot be {Action(action).label.lower()}."
            )
        reasons = blockers(by, locked, action)
        if reasons:
            raise WorkflowError(" ".join(reasons))
        from_state = locked.publication_state
        locked.publication_state = step.to_state
        if step.to_state == State.PUBLISHED and locked.published_at is None:
            locked.published_at = timezone.now()
        locked.updated_by = by
        locked._history_user = by
        locked.save()
        transition = ProjectTransition.objects.create(
            project=locked,
            action=action,
            from_state=from_state,
            to_state=step.to_state,
            by=by,
            comment=comment,
        )
        # Kept with the step, and sent once it commits (portal/outbox.py).
        notify(transition)
    project.refresh_from_db()
    return transition


IMPORTED_STATE_ACTIONS = {
    State.SUBMITTED: Action.SUBMIT,
    State.PUBLISHED: Action.PUBLISH,
    State.ARCHIVED: Action.ARCHIVE,
}


def record_imported_state(*, project, by):
    """Record how a project imported by an admin straight into a state beyond draft got there,
    so every project's review steps say who put it where."""
    action = IMPORTED_STATE_ACTIONS.get(project.publication_state)
    if action is None:
        return None
    return ProjectTransition.objects.create(
        project=project,
        action=action,
        from_state=State.DRAFT,
        to_state=project.publication_state,
        by=by if by is not None and by.is_authenticated else None,
        comment="Imported from a file.",
    )


def submit_project(*, project, by):
    return take_step(project=project, action=Action.SUBMIT, by=by)


def publish_project(*, project, by, comment=""):
    return take_step(project=project, action=Action.PUBLISH, by=by, comment=comment)


def return_project(*, project, by, comment):
    return take_step(project=project, action=Action.RETURN, by=by, comment=comment)


def archive_project(*, project, by, comment=""):
    return take_step(project=project, action=Action.ARCHIVE, by=by, comment=comment)


def save_edits(*, form, formsets=(), by, version=None):
    """Save a model form (and its inline formsets) of a Versioned record, unless someone saved
    it since `version`, the version the person started from.

    Raises EditConflict with the record as it is now; nothing is saved then.
    """
    instance = form.instance
    with transaction.atomic():
        if instance.pk:
            current = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
            if current.version != version:
                raise EditConflict(current)
            instance.version = current.version
        if hasattr(instance, "updated_by"):
            if instance.pk is None:
                instance.created_by = by
            instance.updated_by = by
        instance._history_user = by
        saved = form.save()
        for formset in formsets:
            formset.instance = saved
            formset.save()
        return saved


RECIPIENTS = {
    Action.SUBMIT: (Membership.Role.REVIEWER,),
    Action.RETURN: (Membership.Role.EDITOR,),
    Action.PUBLISH: (Membership.Role.EDITOR,),
}


def notify(transition):
    """Email the authority's reviewers of a submission, its editors of a return or publication."""
    roles = RECIPIENTS.get(transition.action)
    if not roles:
        return
    project = transition.project
    members = Membership.objects.filter(borough=project.lead_borough_id, role__in=roles)
    email_officers(
        members.exclude(user=transition.by).values_list("user__email", flat=True),
        subject=f"{project.title}: {transition.get_action_display().lower()}",
        template="officers/email/transition.txt",
        context={"transition": transition, "project": project},
        page=("officers:project", project.slug),
    )


def email_officers(addresses, *, subject, template, context, page):
    """Queue an email (portal/outbox.py) to `addresses`, blanks left out, with the template
    rendered with `context` and, as `url`, the portal's address of `page` (a URL's name and
    argument). Nothing is rendered when no one is to be told."""
    recipients = sorted({address for address in addresses if address})
    if recipients:
        url = settings.PORTAL_URL + reverse(page[0], args=[page[1]])
        queue_email(
            subject=subject,
            body=render_to_string(template, {**context, "url": url}),
            recipients=recipients,
        )


# Duplicates ---------------------------------------------------------------------------------

#: The texts a merged project takes from its duplicate where its own are blank.
FILLED_FROM_DUPLICATE = [
    "description",
    "delivery_partners",
    "outcomes",
    "evaluation_url",
    "contact_name",
    "contact_email",
    "no_funding_reason",
    "off_theme_reason",
]


def merge_projects(*, keep, duplicate, by):
    """Merge `duplicate` into `keep` and delete it: `keep` gains its authorities, themes,
    target groups and recommendations, its funding lines (added to its own where both are
    funded by one settlement), its review steps and the texts it lacks; both histories stay,
    each saying what happened. Raises WorkflowError when a funding line of the duplicate could
    not fund the kept project."""
    if keep.pk == duplicate.pk:
        raise WorkflowError("Choose two different projects to merge.")
    with transaction.atomic():
        keep, duplicate = (
            Project.objects.select_for_update().get(pk=project.pk) for project in (keep, duplicate)
        )
        partners = {*keep.partner_boroughs.all(), *duplicate.partner_boroughs.all()}
        partners |= {duplicate.lead_borough} - {keep.lead_borough}
        partners.discard(keep.lead_borough)
        keep.partners_entered = list(partners)
        lines = list(
            duplicate.fundings.select_related("settlement__funder", "settlement__recipient")
        )
        for line in lines:
            try:
                line.settlement.check_can_fund(keep, keep.authority_ids)
            except ValidationError as error:
                raise WorkflowError(" ".join(error.messages)) from error
        for name in FILLED_FROM_DUPLICATE:
            if not getattr(keep, name).strip():
                setattr(keep, name, getattr(duplicate, name))
        keep.updated_by = by
        keep._history_user = by
        keep._change_reason = f"Merged with its duplicate “{duplicate.title}” ({duplicate.slug})"
        keep.save()
        keep.partner_boroughs.set(partners)
        for name in ("themes", "target_groups", "recommendations"):
            getattr(keep, name).add(*getattr(duplicate, name).all())
        own = {line.settlement_id: line for line in keep.fundings.all()}
        for line in lines:
            if line.settlement_id in own:
                own[line.settlement_id].amount += line.amount
                own[line.settlement_id].save()
                line.delete()
            else:
                line.project = keep
                line.save()
        duplicate.transitions.update(project=keep)
        # Links to the duplicate's pages still lead somewhere: to the project kept.
        duplicate.former_slugs.update(project=keep)
        FormerSlug.objects.create(slug=duplicate.slug, project=keep)
        duplicate._history_user = by
        duplicate._change_reason = f"Merged into “{keep.title}” ({keep.slug})"
        duplicate.delete()
        Project.objects.filter(pk=keep.pk).refresh_funding_totals()
        Project.objects.filter(pk=keep.pk).refresh_facet_keys()
    keep.refresh_from_db()
    return keep


def merge_settlements(*, keep, duplicate, by):
    """Merge `duplicate`, the same grant entered twice, into `keep` and delete it: `keep` gains
    its funding lines for the projects it does not fund itself (where both fund a project, its
    own line stands: one grant is not paid twice), its yearly allocations when it has none and
    they fit its years and total, and its conditions when it has none; both histories stay, each
    saying what happened. Raises WorkflowError when a line could not move (the kept settlement's
    years or recipient do not suit its project, or the lines would come to more than its total)
    or a change to either settlement is waiting for a reviewer."""
    if keep.pk == duplicate.pk:
        raise WorkflowError("Choose two different settlements to merge.")
    with transaction.atomic():
        settlements = FundingSettlement.objects.select_for_update().select_related(
            "funder", "recipient"
        )
        keep, duplicate = (settlements.get(pk=settlement.pk) for settlement in (keep, duplicate))
        if ProposedChange.objects.waiting().filter(settlement__in=[keep, duplicate]).exists():
            raise WorkflowError(
                "A change to one of them is waiting for a reviewer: approve or return it first."
            )
        own = dict(keep.project_fundings.values_list("project_id", "amount"))
        lines = list(duplicate.project_fundings.select_related("project"))
        moved = [line for line in lines if line.project_id not in own]
        try:
            for line in moved:
                keep.check_can_fund(line.project, line.project.authority_ids)
            keep.check_project_allocations([*own.values(), *(line.amount for line in moved)])
        except ValidationError as error:
            raise WorkflowError(" ".join(error.messages)) from error
        yearly = dict(duplicate.allocations.values_list("financial_year", "amount"))
        takes_allocations = bool(yearly) and not keep.allocations.exists()
        if takes_allocations:
            try:
                keep.check_yearly_allocations(yearly)
            except ValidationError:
                takes_allocations = False  # for other years or another total: they go with it
        if not keep.conditions.strip():
            keep.conditions = duplicate.conditions
        keep._history_user = by
        keep._change_reason = f"Merged with its duplicate “{duplicate}” (settlement {duplicate.pk})"
        keep.save()
        for allocation in duplicate.allocations.all() if takes_allocations else ():
            allocation.settlement = keep
            allocation.save()
        for line in moved:
            line.settlement = keep
            line.save()
        duplicate._history_user = by
        duplicate._change_reason = f"Merged into “{keep}” (settlement {keep.pk})"
        duplicate.delete()
        funded = Project.objects.filter(pk__in=[line.project_id for line in lines])
        funded.refresh_funding_totals()
        funded.refresh_facet_keys()
    keep.refresh_from_db()
    return keep


# Changes that wait for a reviewer -------------------------------------------------------------


def needs_review(user):
    """Whether the user's changes to settlements, commissions and published projects wait for
    a reviewer: an officer's do; an admin's, who curates, do not."""
    return not user.is_staff


def propose(*, kind, record, authority, title, data, by):
    """Keep an officer's new or changed settlement or commission, or changed published project,
    for a reviewer."""
    with transaction.atomic():
        change = ProposedChange.objects.create(
            kind=kind,
            **{ProposedChange.Kind(kind).value: record},
            authority=authority,
            title=title,
            data=data,
            proposed_by=by,
        )
        reviewers = Membership.objects.filter(
            borough=authority, role=Membership.Role.REVIEWER
        ).exclude(user=by)
        email_about(change, "proposed", reviewers.values_list("user__email", flat=True))
    return change


def may_decide(user, change):
    """A reviewer of the change's authority (or an admin) other than who proposed it."""
    return (
        change.proposed_by_id != user.pk
        and role_in(user, change.authority_id) == Membership.Role.REVIEWER
    )


def decide(*, change, by, approve, comment="", save=None):
    """Approve the change, saving it with `save()`, or return it with a comment saying what
    needs changing; either is recorded with who and when."""
    if not may_decide(by, change):
        raise PermissionDenied("Only another reviewer of the authority can decide on this.")
    comment = comment.strip()
    if not approve and not comment:
        raise WorkflowError("Say what needs changing, so the officer knows what to do.")
    with transaction.atomic():
        locked = ProposedChange.objects.select_for_update().get(pk=change.pk)
        if locked.state != ProposedChange.State.SUBMITTED:
            raise WorkflowError(f"This change is already {locked.get_state_display().lower()}.")
        if approve:
            save()
        locked.state = ProposedChange.State.APPROVED if approve else ProposedChange.State.RETURNED
        locked.decided_by, locked.decided_at, locked.comment = by, timezone.now(), comment
        locked.save()
        proposer = [locked.proposed_by.email] if locked.proposed_by else []
        email_about(locked, locked.get_state_display().lower(), proposer)
    return locked


def email_about(change, what, addresses):
    """Email `addresses` that the change was proposed, approved or returned."""
    email_officers(
        addresses,
        subject=f"{change}: {what}",
        template="officers/email/change.txt",
        context={"change": change, "what": what},
        page=("officers:change", change.pk),
    )
