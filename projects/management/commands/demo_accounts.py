"""`manage.py demo_accounts`: the local demo's admin and officers, with one password (debug
only)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from boroughs.models import Borough, Membership

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
        names = ", ".join(name for name, *_ in OFFICERS)
        self.stdout.write(
            f"Local demo accounts, all with the password {PASSWORD!r}:\n"
            f"  the admin at http://127.0.0.1:8000/admin/ as {ADMIN!r};\n"
            f"  officers at http://127.0.0.1:8000/account/sign-in/ as {names}."
        )
