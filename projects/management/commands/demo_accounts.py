"""`manage.py demo_accounts`: the local demo's admin and officers, with one password (debug
only), and work waiting for them: a draft of their own, a project returned to them with a
comment, and a submission for the reviewer."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from boroughs.models import Borough, Membership
from projects.models import Project, ProjectTransition

State = Project.PublicationState
Action = ProjectTransition.Action
RETURN_COMMENT = (
    "Say how many people it reached so far, and link to the evaluation once it is out, then "
    "submit it again."
)

PASSWORD = "london-demo-password"
ADMIN = "admin"
# (username, authority slug, role)
OFFICERS = [
    ("hackney-editor", "hackney", Membership.Role.EDITOR),
    ("hackney-reviewer", "hackney", Membership.Role.REVIEWER),
    ("westminster-editor", "westminster", Membership.Role.EDITOR),
    ("westminster-reviewer", "westminster", Membership.Role.REVIEWER),
]


class Command(BaseCommand):
    help = (
        "Create the local demo's accounts: an admin and an editor and a reviewer for Hackney and "
        "for Westminster. Refuses to run unless DJANGO_DEBUG is on."
    )

    def handle(self, **options):
        if not settings.DEBUG:
            raise CommandError(
                "demo_accounts creates accounts with a published password, so it only runs "
                "with DJANGO_DEBUG=true, for a local demo."
            )
        users = get_user_model().objects
        admin, created = users.get_or_create(
            username=ADMIN,
            defaults={"email": "admin@example.org", "is_staff": True, "is_superuser": True},
        )
        if created:
            admin.set_password(PASSWORD)
            admin.save()
        for username, slug, role in OFFICERS:
            officer, created = users.get_or_create(
                username=username, defaults={"email": f"{username}@example.org"}
            )
            if created:
                officer.set_password(PASSWORD)
                officer.save()
            Membership.objects.update_or_create(
                user=officer, borough=Borough.objects.get(slug=slug), defaults={"role": role}
            )
        for slug in dict.fromkeys(slug for _, slug, _ in OFFICERS):
            self.give_work(Borough.objects.get(slug=slug))
        names = ", ".join(name for name, *_ in OFFICERS)
        self.stdout.write(
            f"Local demo accounts, all with the password {PASSWORD!r}:\n"
            f"  the admin at http://127.0.0.1:8000/admin/ as {ADMIN!r};\n"
            f"  officers at http://127.0.0.1:8000/account/sign-in/ as {names}."
        )

    def give_work(self, borough):
        """Unless they have it already: a draft the editor created, one returned to them by
        the reviewer, and one the editor submitted for the reviewer to publish (projects of the
        demo catalogue, which are complete enough for review)."""
        users = get_user_model().objects
        editor = users.get(username=f"{borough.slug}-editor")
        reviewer = users.get(username=f"{borough.slug}-reviewer")
        projects = Project.objects.filter(lead_borough=borough).order_by("pk")
        drafts = projects.filter(publication_state=State.DRAFT)
        if not drafts.filter(created_by=editor).exists():
            own = drafts.filter(created_by=None).first()
            if own is not None:
                drafts.filter(pk=own.pk).update(created_by=editor)
        if not projects.returned().exists():
            returned = drafts.exclude(created_by=editor).first()
            if returned is not None:
                self.record(returned, Action.SUBMIT, State.DRAFT, State.SUBMITTED, editor)
                self.record(returned, Action.RETURN, State.SUBMITTED, State.DRAFT, reviewer)
        submitted = projects.filter(publication_state=State.SUBMITTED)
        if not submitted.filter(transitions__by=editor).exists():
            waiting = submitted.first()
            if waiting is not None:
                self.record(waiting, Action.SUBMIT, State.DRAFT, State.SUBMITTED, editor)

    @staticmethod
    def record(project, action, from_state, to_state, by):
        ProjectTransition.objects.create(
            project=project,
            action=action,
            from_state=from_state,
            to_state=to_state,
            by=by,
            comment=RETURN_COMMENT if action == Action.RETURN else "",
        )
