"""`manage.py check_catalogue`: report the records that break the catalogue's rules."""

from django.core.management.base import BaseCommand, CommandError

from projects.catalogue_checks import EXAMPLES, rules


class Command(BaseCommand):
    help = (
        "Check every record against the catalogue's rules (funding lines within their project's "
        "years and authorities, statuses that agree with dates, money that adds up) and list "
        f"what breaks them, with up to {EXAMPLES} examples each. Fails when anything does."
    )

    def handle(self, **options):
        broken = 0
        for rule in rules():
            count = rule.breaking.count()
            if not count:
                self.stdout.write(f"ok    {rule.description}: none")
                continue
            broken += 1
            self.stdout.write(self.style.ERROR(f"FAIL  {rule.description}: {count:,}"))
            for example in rule.examples():
                self.stdout.write(f"        {example}")
        if broken:
            raise CommandError(f"{broken} of the catalogue's rules are broken.")
        self.stdout.write(self.style.SUCCESS("The catalogue keeps every rule."))
