"""What follows when an issue is published, moved, retitled or deleted (the pages
that link to it change), and the signal other apps hear when an issue goes out to readers."""

from __future__ import annotations

import datetime

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

from .models import Issue, IssueForReview

#: Sent with ``issue=`` by issues/workflow.py, inside the transaction that makes an
#: issue public: when an editor publishes it now, and when ``publish_due`` records a
#: scheduled issue whose time has come. Not sent for issues imported from the
#: archive, which went out long ago. Receivers that start work elsewhere (the
#: newsletter's sending) do it in ``transaction.on_commit``.
issue_published = Signal()


#: What the issues before and after an issue show of it (a link with its date
#: and title), and what decides whether and where it stands among them.
SHOWN_BY_NEIGHBOURS = {"status", "publish_at", "date", "title", "title_en"}
LISTED = (Issue.Status.PUBLISHED, Issue.Status.SCHEDULED)


def mark_neighbours_changed(issue: Issue, day: datetime.date | None) -> None:
    """Mark changed the published issues just before and after ``day``, other than ``issue``.

    Their pages link to the issues next to them (the cached links are keyed
    by their ``content_changed_at``, issues/sections.py), and moving it is
    what tells the page cache.
    """
    if day is not None:
        Issue.objects.published().exclude(pk=issue.pk).next_to(day).content_changed()


def place(values: dict) -> tuple:
    """Whether an issue is listed among the published ones, and what the issues next to it show of it."""
    return (values.get("status") in LISTED, *(values.get(name) for name in sorted(SHOWN_BY_NEIGHBOURS - {"status"})))


def mark_neighbours_changed_when_issue_moves(sender, instance: Issue, raw: bool = False, **kwargs) -> None:
    """When an issue is published, scheduled, unpublished, moved to another day or retitled, the issues next to it
    at its old place and its new one link differently."""
    # Post-save, the values last read or saved are still the old ones. A
    # backup being loaded (raw) brings every issue's dates as they were; a
    # scheduled issue recorded as published when its time has come
    # (publish_due) was listed already, and its neighbours' links with it.
    was = getattr(instance, "saved_values", {})
    if raw or place(was) == place(instance.__dict__):
        return
    old_day = was.get("date") if was.get("status") in LISTED else None
    new_day = instance.date if instance.status in LISTED else None
    for day in {old_day, new_day} - {None}:
        mark_neighbours_changed(instance, day)


def mark_neighbours_changed_when_issue_is_deleted(sender, instance: Issue, **kwargs) -> None:
    # The issues before and after it linked to it (and the archive listed it).
    if instance.status in LISTED:
        mark_neighbours_changed(instance, instance.date)


def connect_signals() -> None:
    """Connect the receivers (from ``IssuesConfig.ready()``)."""
    for model in (Issue, IssueForReview):
        post_save.connect(
            mark_neighbours_changed_when_issue_moves, sender=model, dispatch_uid=f"issues.moved.neighbours.{model.__name__}",
        )
        post_delete.connect(
            mark_neighbours_changed_when_issue_is_deleted, sender=model, dispatch_uid=f"issues.deleted.neighbours.{model.__name__}",
        )
