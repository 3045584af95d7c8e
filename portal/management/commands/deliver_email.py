"""Send the emails waiting in the outbox (portal/outbox.py): once, or every --every seconds."""

import time

from django.core.management.base import BaseCommand

from portal.outbox import deliver


class Command(BaseCommand):
    help = "Send the emails waiting in the outbox, trying failed ones again when they are due."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=float,
            default=0,
            help="Keep running, looking for due emails every this many seconds.",
        )

    def handle(self, *args, every, **options):
        while True:
            sent, failed = deliver()
            if sent or failed or not every:
                self.stdout.write(f"{sent} sent, {failed} not sent (tried again later)")
            if not every:
                return
            time.sleep(every)
