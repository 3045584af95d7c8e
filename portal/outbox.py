"""Emails sent through an outbox: written to the database in the transaction of the step they
tell of, then sent once it commits, and tried again by `manage.py deliver_email` until the mail
server takes them. A step that succeeded never answers with an error because the mail server
is down, and no email is lost: it waits in the outbox.
"""

import datetime
import logging

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import OutgoingEmail

logger = logging.getLogger(__name__)

# How long after a failed attempt the next one is due: longer each time, at most a day.
FIRST_RETRY = datetime.timedelta(minutes=1)
LONGEST_RETRY = datetime.timedelta(days=1)
# How many emails one pass of deliver_email sends at most.
BATCH = 100


def queue_email(subject, body, recipients):
    """Keep an email to send once the current transaction commits (at once, if none is open)."""
    email = OutgoingEmail.objects.create(subject=subject, body=body, recipients=recipients)
    # Robust: whatever goes wrong then is logged, and the email waits for deliver_email.
    transaction.on_commit(lambda: deliver(OutgoingEmail.objects.filter(pk=email.pk)), robust=True)
    return email


def deliver(emails=None):
    """Send the due emails of `emails` (all due ones by default), each at most once however
    many deliverers run: each is locked while it is sent. Returns (sent, failed)."""
    sent = failed = 0
    candidates = OutgoingEmail.objects.all() if emails is None else emails
    while True:
        with transaction.atomic():
            email = (
                candidates.due(timezone.now())
                .select_for_update(skip_locked=True)
                .order_by("next_attempt_at", "pk")
                .first()
            )
            if email is None or sent + failed >= BATCH:
                return sent, failed
            email.attempts += 1
            try:
                send_mail(email.subject, email.body, None, email.recipients)
            except Exception as error:  # the mail server's failures are many kinds
                failed += 1
                wait = min(FIRST_RETRY * 2 ** (email.attempts - 1), LONGEST_RETRY)
                email.next_attempt_at = timezone.now() + wait
                email.last_error = f"{type(error).__name__}: {error}"[:2000]
                logger.warning(
                    "Email %s not sent (attempt %s), tried again in %s: %s",
                    email.pk,
                    email.attempts,
                    wait,
                    email.last_error,
                )
            else:
                sent += 1
                email.sent_at = timezone.now()
                email.last_error = ""
            email.save()
