"""What follows the deletion of an issue (the pages that linked to it change), and
the signal other apps hear when an issue goes out to readers."""

from __future__ import annotations

from django.db.models.signals import post_delete
from django.dispatch import Signal

from .models import Issue, IssueForReview

#: Sent with ``issue=`` by issues/workflow.py, inside the transaction that makes an
#: issue public: when an editor publishes it now, and when ``publish_due`` records a
#: scheduled issue whose time has come. Not sent for issues imported from the
#: archive, which went out long ago. Receivers that start work elsewhere (the
#: newsletter's sending) do it in ``transaction.on_commit``.
issue_published = Signal()


def mark_neighbours_changed_when_issue_is_deleted(sender, instance: Issue, **kwargs) -> None:
    # The issues before and after it linked to it (and the archive listed it):
    # marking them changed is what tells the page cache.
    if instance.date is None or not instance.is_public:
        return
    previous_issue, next_issue = instance.published_neighbours()
    Issue.objects.filter(pk__in=[issue.pk for issue in (previous_issue, next_issue) if issue]).content_changed()


def connect_signals() -> None:
    """Connect the receivers (from ``IssuesConfig.ready()``)."""
    for model in (Issue, IssueForReview):
        post_delete.connect(
            mark_neighbours_changed_when_issue_is_deleted, sender=model, dispatch_uid=f"issues.deleted.neighbours.{model.__name__}",
        )
