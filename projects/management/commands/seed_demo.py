"""`manage.py seed_demo`: load the fictional, deterministic demo catalogue at any size."""

from django.core.management.base import BaseCommand, CommandError

from projects.demo import DEFAULT_SEED, DemoCatalogue, DemoDataExists, delete_catalogue

AUTHORITIES = 33
MAX_PROJECTS = 1_000_000


class Command(BaseCommand):
    help = (
        "Fill an empty database with a fictional, deterministic demo catalogue: projects in every "
        "authority, commissions with recommendations, funders and funding settlements."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--projects",
            type=int,
            default=660,
            help=f"How many projects to create, {AUTHORITIES} to {MAX_PROJECTS:,} (default 660).",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="The random seed (default %(default)s)."
        )
        existing = parser.add_mutually_exclusive_group()
        existing.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing, successfully, when the database already holds catalogue data.",
        )
        existing.add_argument(
            "--replace",
            action="store_true",
            help="Delete every project, commission, funder and settlement first.",
        )

    def handle(self, *, projects, seed, if_empty, replace, **options):
        if not AUTHORITIES <= projects <= MAX_PROJECTS:
            raise CommandError(
                f"--projects must be from {AUTHORITIES} (one for each authority) to "
                f"{MAX_PROJECTS:,}; got {projects:,}."
            )
        if replace:
            delete_catalogue()
        catalogue = DemoCatalogue(projects=projects, seed=seed, progress=self.stdout.write)
        try:
            catalogue.load()
        except DemoDataExists:
            if if_empty:
                self.stdout.write("The database already holds catalogue data: nothing loaded.")
                return
            raise CommandError(
                "The database already holds catalogue data, so the demo set was not loaded. "
                "Use --replace to delete it first, or --if-empty to skip quietly."
            ) from None
        self.stdout.write(self.style.SUCCESS(f"Loaded a demo catalogue of {projects:,} projects."))
