"""The newsletter's background work, run by django-tasks (at once with DEBUG, by `manage.py db_worker` in production).

Arguments are ids only: no address is ever written to the task queue.
"""

from __future__ import annotations

import logging
import smtplib

from django_tasks import task

from . import sending
from .emails import confirmation_message
from .models import Subscriber

logger = logging.getLogger(__name__)


@task()
def send_issue(issue_id: int) -> dict[str, int]:
    """Send the issue's due deliveries; several of these share one issue (see newsletter/sending.py)."""
    return sending.send_due(issue_id)


@task()
def send_confirmation(subscriber_id: int, edition: str) -> bool:
    """Email the subscriber a link that confirms their address for ``edition``; whether it was handed to the server."""
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or not subscriber.confirmation_key:
        return False
    try:
        confirmation_message(subscriber, edition).send()
    except (smtplib.SMTPException, OSError) as exc:
        # The exception's text may hold the address: log its kind only.
        logger.warning("The confirmation email to subscriber #%s failed: %s", subscriber_id, type(exc).__name__)
        return False
    return True
