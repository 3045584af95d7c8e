from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

USERNAME = "admin"
PASSWORD = "london-demo-admin"


class Command(BaseCommand):
    help = "Create the local demo's admin account. Refuses to run unless DJANGO_DEBUG is on."

    def handle(self, **options):
        if not settings.DEBUG:
            raise CommandError(
                "demo_accounts creates an account with a published password, so it only runs "
                "with DJANGO_DEBUG=true, for a local demo."
            )
        user, created = get_user_model().objects.get_or_create(
            username=USERNAME,
            defaults={"email": "admin@example.org", "is_staff": True, "is_superuser": True},
        )
        if created:
            user.set_password(PASSWORD)
            user.save()
        self.stdout.write(
            f"Sign in to the admin at http://127.0.0.1:8000/admin/ as {USERNAME!r} with the "
            f"password {PASSWORD!r} (a local demo account)."
        )
