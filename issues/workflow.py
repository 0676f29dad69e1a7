"""The editorial workflow: the only place that changes an issue's status.

The admin, the management commands and the tests all call these functions;
nothing else writes ``Issue.status``. Each transition locks the issue's row
(``select_for_update``) inside a transaction, re-reads its state, checks the
user's permission and the issue's readiness, and records itself in the
transition log, so two editors acting at once cannot both move an issue from
the same state.

    draft ──submit_for_review──▶ in review ──publish──▶ published
      ▲                            │    └──publish (future time)──▶ scheduled ──(time passes)──▶ published
      └──────request_changes───────┘
      ▲
      └───────────unpublish──────────── published / scheduled
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Issue, IssueTransition, PreviewLink
from .signals import issue_published

Status = Issue.Status


class TransitionError(Exception):
    """The issue is not in a state, or not in a shape, that allows this transition."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems or []

    def __str__(self) -> str:
        if self.problems:
            return f"{self.message} " + " ".join(self.problems)
        return self.message


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: tuple[str, ...]
    permission: str
    needs_comment: bool = False
    style: str = "default"


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition("submit_for_review", _("Submit for review"), (Status.DRAFT,), "issues.change_issue"),
        Transition(
            "request_changes", _("Request changes"), (Status.REVIEW,), "issues.review_issue",
            needs_comment=True, style="warning",
        ),
        Transition("publish", _("Approve and publish"), (Status.REVIEW, Status.SCHEDULED), "issues.publish_issue"),
        Transition(
            "unpublish", _("Unpublish"), (Status.PUBLISHED, Status.SCHEDULED), "issues.publish_issue",
            needs_comment=False, style="danger",
        ),
    ]
}


#: Who is emailed about which step, once it is committed (issues/notifications.py):
#: the editors of a submission; the issue's author of changes requested, of a
#: schedule and of a publication (now, or when a scheduled time comes).
NOTIFY: dict[str, str] = {
    "submit_for_review": "editors",
    "request_changes": "author",
    "publish": "author",
    "publish_scheduled": "author",
}


def _notify_when_committed(step: IssueTransition) -> None:
    audience = NOTIFY.get(step.action)
    if audience is None:
        return
    event = {
        "submit_for_review": "submitted", "request_changes": "changes", "publish_scheduled": "published",
    }.get(step.action) or ("scheduled" if step.to_status == Status.SCHEDULED else "published")

    def send() -> None:
        from .notifications import send_step

        send_step(step.pk, audience, event)

    transaction.on_commit(send)


def publication(publish_at: datetime.datetime | None, now: datetime.datetime) -> tuple[str, datetime.datetime]:
    """The status and publish time of an issue published now for ``publish_at`` (now when None).

    Scheduled until its time, published from then. Publish times are kept to
    the second: readers, feeds and backups (whose JSON keeps milliseconds at
    most) all see the same instant.
    """
    when = (publish_at or now).replace(microsecond=0)
    return (Status.SCHEDULED if when > now else Status.PUBLISHED), when


def can(user, transition: Transition) -> bool:
    return bool(user and user.is_active and user.has_perm(transition.permission))


def available_transitions(issue: Issue, user) -> list[Transition]:
    """The transitions ``user`` may take on ``issue`` in its current state."""
    return [t for t in TRANSITIONS.values() if issue.status in t.sources and can(user, t)]


def _entry_problems(issue: Issue) -> list[str]:
    problems = []
    for position, entry in enumerate(issue.entries.in_reading_order(), start=1):
        try:
            entry.full_clean(exclude=["issue"])
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    problems.append(
                        str(_("Entry %(n)d “%(title)s”, %(field)s: %(message)s"))
                        % {"n": position, "title": entry.title, "field": field, "message": message}
                    )
    return problems


def _check_ready_for_review(issue: Issue) -> None:
    problems = []
    if not issue.title.strip():
        problems.append(str(_("The issue needs a title.")))
    if not issue.entries.exists():
        problems.append(str(_("The issue needs at least one entry.")))
    if problems:
        raise TransitionError(str(_("This issue cannot be submitted for review yet.")), problems)


def _entries_needing_attention(issue: Issue) -> list[str]:
    """An entry the importer could not read whole stays out of public view until an editor has checked it."""
    return [
        str(_("Entry %(n)d “%(title)s” needs attention (%(why)s): check it, then clear “needs attention”."))
        % {"n": position, "title": title, "why": why or _("flagged")}
        for position, (title, why, flagged) in enumerate(
            issue.entries.in_reading_order().values_list("title", "attention_note", "needs_attention"), start=1
        )
        if flagged
    ]


def _check_ready_to_publish(issue: Issue) -> None:
    problems = _entries_needing_attention(issue) + _entry_problems(issue)
    if not issue.entries.exists():
        problems.append(str(_("The issue needs at least one entry.")))
    if problems:
        raise TransitionError(str(_("This issue cannot be published until its entries are fixed.")), problems)


def perform(
    issue: Issue | int,
    name: str,
    user,
    *,
    comment: str = "",
    publish_at: datetime.datetime | None = None,
    now: datetime.datetime | None = None,
) -> Issue:
    """Take transition ``name`` on ``issue`` as ``user`` and return the updated issue.

    Raises PermissionDenied when the user may not take it, and TransitionError
    when the issue is not in a state or shape that allows it. Nothing is
    written unless the whole transition succeeds.
    """
    try:
        transition = TRANSITIONS[name]
    except KeyError:
        raise TransitionError(str(_("There is no workflow action “%(name)s”.")) % {"name": name})
    if not can(user, transition):
        raise PermissionDenied(str(_("You may not %(action)s this issue.")) % {"action": str(transition.label).lower()})
    now = now or timezone.now()
    comment = (comment or "").strip()
    pk = issue.pk if isinstance(issue, Issue) else issue

    with transaction.atomic():
        locked = Issue.objects.select_for_update().get(pk=pk)
        if locked.status not in transition.sources:
            raise TransitionError(
                str(_("This issue is %(status)s now, so it cannot be moved by “%(action)s”; someone may have acted on it already."))
                % {"status": locked.get_status_display(), "action": transition.label}
            )
        if transition.needs_comment and not comment:
            raise TransitionError(str(_("Say what needs to change: a comment is required.")))

        from_status = locked.status
        if name == "submit_for_review":
            _check_ready_for_review(locked)
            locked.status = Status.REVIEW
        elif name == "request_changes":
            locked.status = Status.DRAFT
            locked.reviewed_by = user
        elif name == "publish":
            _check_ready_to_publish(locked)
            locked.status, locked.publish_at = publication(publish_at, now)
            if from_status == Status.REVIEW:
                locked.reviewed_by = user
            locked.published_by = user
        elif name == "unpublish":
            locked.status = Status.DRAFT
            locked.publish_at = None
        if locked.status == Status.PUBLISHED or name == "unpublish":
            # Preview links are for what readers cannot see yet: once an issue
            # is public they end for good, and a withdrawn issue is not shown
            # by a link made before.
            PreviewLink.objects.filter(issue=locked).revoke(user, now)
        locked.save(update_fields=["status", "publish_at", "reviewed_by", "published_by", "updated_at"])
        step = IssueTransition.objects.create(
            issue=locked, action=name, from_status=from_status, to_status=locked.status,
            by=user, at=now, comment=comment,
        )
        if name == "publish" and locked.status == Status.PUBLISHED:
            issue_published.send(sender=Issue, issue=locked)
        _notify_when_committed(step)
    if isinstance(issue, Issue):
        for field in ("status", "publish_at", "reviewed_by_id", "published_by_id", "updated_at"):
            setattr(issue, field, getattr(locked, field))
    return locked


def submit_for_review(issue: Issue, user, comment: str = "") -> Issue:
    """Send a draft to the editors."""
    return perform(issue, "submit_for_review", user, comment=comment)


def request_changes(issue: Issue, user, comment: str) -> Issue:
    """Send an issue in review back to its draft, saying what must change."""
    return perform(issue, "request_changes", user, comment=comment)


def publish(issue: Issue, user, publish_at: datetime.datetime | None = None, comment: str = "") -> Issue:
    """Approve an issue: public now, or scheduled when ``publish_at`` is in the future."""
    return perform(issue, "publish", user, publish_at=publish_at, comment=comment)


def unpublish(issue: Issue, user, comment: str = "") -> Issue:
    """Take a published or scheduled issue out of public view, back to draft."""
    return perform(issue, "unpublish", user, comment=comment)


def publish_due(now: datetime.datetime | None = None) -> list[Issue]:
    """Record as published every scheduled issue whose time has come.

    Readers already see such issues (the ``published()`` rule looks at the
    time), so this brings the status and the log up to date, and sends
    ``issue_published`` (the newsletter queues its email then). Running it
    again, or twice at once, changes nothing more.
    """
    now = now or timezone.now()
    done = []
    for pk in Issue.objects.due(now).values_list("pk", flat=True):
        with transaction.atomic():
            locked = Issue.objects.select_for_update().filter(pk=pk).first()
            if locked is None or locked.status != Status.SCHEDULED or locked.publish_at > now:
                continue
            locked.status = Status.PUBLISHED
            locked.save(update_fields=["status", "updated_at"])
            PreviewLink.objects.filter(issue=locked).revoke(None, now)
            step = IssueTransition.objects.create(
                issue=locked, action="publish_scheduled", from_status=Status.SCHEDULED,
                to_status=Status.PUBLISHED, by=None, at=now,
                comment=str(_("Published at its scheduled time.")),
            )
            issue_published.send(sender=Issue, issue=locked)
            _notify_when_committed(step)
            done.append(locked)
    return done


def record_import(
    issue: Issue,
    user,
    publish: bool,
    publish_at: datetime.datetime | None = None,
    *,
    comment: str = "",
    now: datetime.datetime | None = None,
) -> Issue:
    """Set the status of an issue brought in from the archive, and log it as "import".

    An archived issue was already published by its editor, so it goes straight
    to published at ``publish_at`` (its own date), or to draft when ``publish``
    is false. The publish checks do not apply: archived entries may lack a
    link, which the editor can no longer fix. Call it inside the import's
    transaction so that a failed import leaves no status change behind.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Issue.objects.select_for_update().get(pk=issue.pk)
        from_status = locked.status
        if publish:
            locked.status, locked.publish_at = publication(publish_at, now)
            locked.published_by = user
            if locked.status == Status.PUBLISHED:
                PreviewLink.objects.filter(issue=locked).revoke(user, now)
        else:
            locked.status = Status.DRAFT
            locked.publish_at = None
        locked.save(update_fields=["status", "publish_at", "published_by", "updated_at"])
        IssueTransition.objects.create(
            issue=locked, action="import", from_status=from_status, to_status=locked.status,
            by=user, at=now, comment=comment,
        )
    for name in ("status", "publish_at", "published_by_id", "updated_at"):
        setattr(issue, name, getattr(locked, name))
    return locked
