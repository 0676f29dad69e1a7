"""What the newsletter does when an issue goes out (issues/signals.py sends ``issue_published``)."""

from __future__ import annotations

from issues.models import Issue
from issues.signals import issue_published

from . import sending


def queue_delivery_when_issue_is_published(sender, issue: Issue, **kwargs) -> None:
    # In the publishing transaction: the mailing exists if and only if the
    # publish is committed; the tasks are queued once it is.
    sending.queue_issue(issue)


def connect_signals() -> None:
    """Connect the receivers (from ``NewsletterConfig.ready()``)."""
    issue_published.connect(
        queue_delivery_when_issue_is_published, sender=Issue, dispatch_uid="newsletter.queue_delivery",
    )
