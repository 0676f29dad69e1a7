"""Sending an issue to its subscribers: each of them once, whatever crashes.

Publishing an issue makes its Mailing (once) and queues a few ``send_issue``
tasks (tasks.py). The first task to run records one Delivery per active
subscriber; then every task claims queued deliveries a few at a time and
sends them, so any number of workers share one issue:

    queued ──claim──▶ sending ──250──▶ sent
      ▲                  │──4xx, connection lost──▶ queued again, later (backoff); at last failed
      └──────────────────┘──5xx──▶ failed (the third for an address marks it bouncing)
                         └──its worker died──▶ the one it was sending: interrupted (never sent again);
                                               the others: queued again

A claim is one UPDATE, committed before anything is sent; on PostgreSQL the
rows are picked with SELECT … FOR UPDATE SKIP LOCKED, so workers never wait
for each other. A worker sends its claimed deliveries in id order and records
each outcome before the next send, and renews its claims while it works. So
when a worker dies (its claims go stale after NEWSLETTER_SENDING_LEASE
seconds), only the first of its deliveries still "sending" can have reached
the SMTP server: that one is marked interrupted, since a subscriber must
never get an issue twice, and the rest are sent by the other workers or the
next one to start.
"""

from __future__ import annotations

import datetime
import logging
import os
import re
import smtplib
import socket
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.crypto import get_random_string

from issues.models import Issue

from .emails import IssueEmail, render_issue_email
from .models import Delivery, Mailing, Subscriber

logger = logging.getLogger(__name__)

#: Waits before each new attempt after a temporary failure; after the last, the delivery fails.
RETRY_DELAYS = [datetime.timedelta(seconds=s) for s in (60, 300, 1800, 7200, 21600)]
#: Deliveries one worker claims at a time.
CLAIM_BATCH = 20
#: Deliveries written per INSERT when an issue's recipients are recorded.
BATCH = 1000

ADDRESS = re.compile(r"[^\s<>@\"']+@[^\s<>@\"']+")


def worker_name() -> str:
    """One sending run of this process, as recorded on the deliveries it claims."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{get_random_string(8)}"


# Queueing --------------------------------------------------------------------

def queue_issue(issue: Issue) -> Mailing:
    """Make the issue's mailing (the first time it is published) and start sending once the transaction commits.

    Publishing it again after an unpublish makes no second mailing: whoever
    was sent it is not sent it again, and what was still queued goes on.
    """
    mailing, _created = Mailing.objects.get_or_create(issue=issue)
    transaction.on_commit(lambda: start_sending(issue.pk))
    return mailing


def start_sending(issue_id: int) -> None:
    """Queue the tasks that send the issue: as many as workers may share it."""
    from .tasks import send_issue

    for _ in range(max(1, settings.NEWSLETTER_SENDING_TASKS)):
        send_issue.enqueue(issue_id)


def record_recipients(issue_id: int, now: datetime.datetime | None = None) -> int:
    """One queued delivery for each active subscriber, once per mailing, while the issue is public; how many."""
    now = now or timezone.now()
    with transaction.atomic():
        mailing = Mailing.objects.select_for_update().filter(issue_id=issue_id).first()
        if mailing is None or mailing.recipients_recorded_at is not None:
            return 0
        if not Issue.objects.published(now).filter(pk=issue_id).exists():
            return 0
        created = 0
        batch: list[Delivery] = []
        for pk, edition in Subscriber.objects.active().order_by("pk").values_list("pk", "edition").iterator(chunk_size=BATCH):
            batch.append(Delivery(issue_id=issue_id, subscriber_id=pk, edition=edition, next_attempt_at=now))
            if len(batch) == BATCH:
                created += len(Delivery.objects.bulk_create(batch, ignore_conflicts=True))
                batch = []
        if batch:
            created += len(Delivery.objects.bulk_create(batch, ignore_conflicts=True))
        mailing.recipients_recorded_at = now
        mailing.save(update_fields=["recipients_recorded_at"])
    return created


# Claiming --------------------------------------------------------------------

def claim_batch(issue_id: int, worker: str, now: datetime.datetime | None = None) -> list[Delivery]:
    """The next due deliveries of a public issue (CLAIM_BATCH at most, in id order), marked "sending" by ``worker``.

    The claim is committed before anything is sent. ``worker`` then sends them
    in id order and records each outcome before the next send begins, so if it
    dies, only the first of its deliveries still "sending" may have reached the
    server (see ``recover_stale``).
    """
    now = now or timezone.now()
    with transaction.atomic():
        pks = list(
            Delivery.objects.due(now).filter(issue_id=issue_id)
            .filter(Issue.objects.published_condition("issue__", now))
            .order_by("pk").select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[:CLAIM_BATCH]
        )
        if not pks:
            return []
        # The status condition makes the claim safe where rows cannot be locked (SQLite).
        Delivery.objects.filter(pk__in=pks, status=Delivery.Status.QUEUED).update(
            status=Delivery.Status.SENDING, claimed_at=now, claimed_by=worker,
        )
    return list(
        Delivery.objects.filter(pk__in=pks, status=Delivery.Status.SENDING, claimed_by=worker)
        .select_related("subscriber").order_by("pk")
    )


def renew_claims(issue_id: int, worker: str) -> int:
    """Tell other workers that ``worker`` is alive: its deliveries' claims are fresh again. How many it still holds.

    A sender works on one issue; naming it lets the (issue, status, …) index find the rows.
    """
    return Delivery.objects.filter(issue_id=issue_id, claimed_by=worker, status=Delivery.Status.SENDING).update(
        claimed_at=timezone.now(),
    )


def recover_stale(issue_id: int | None = None, now: datetime.datetime | None = None) -> tuple[int, int]:
    """Deliveries of workers that died (their claims older than the lease): (interrupted, queued again).

    Of each dead worker's deliveries still "sending", the first may have been
    handed to the SMTP server: it is marked interrupted and never sent again.
    The others were never tried and are queued again.
    """
    cutoff = (now or timezone.now()) - lease()
    stale = Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=cutoff)
    if issue_id is not None:
        stale = stale.filter(issue_id=issue_id)
    interrupted = queued = 0
    for worker, first in stale.order_by().values("claimed_by").annotate(first=Min("pk")).values_list("claimed_by", "first"):
        with transaction.atomic():
            interrupted += Delivery.objects.filter(pk=first, status=Delivery.Status.SENDING, claimed_by=worker).update(
                status=Delivery.Status.INTERRUPTED,
                error="The worker stopped during this send; not sent again, so nobody gets the issue twice.",
            )
            queued += Delivery.objects.filter(
                status=Delivery.Status.SENDING, claimed_by=worker, claimed_at__lt=cutoff,
            ).update(status=Delivery.Status.QUEUED, claimed_by="", claimed_at=None)
    if interrupted:
        logger.warning("%s delivery(ies) interrupted by a worker that died; %s queued again.", interrupted, queued)
    return interrupted, queued


def lease() -> datetime.timedelta:
    """How long a claim lasts unless renewed: a worker silent for longer has died."""
    return datetime.timedelta(seconds=settings.NEWSLETTER_SENDING_LEASE)


# Sending ---------------------------------------------------------------------

def scrub(text: object, limit: int = 500) -> str:
    """A server's answer without any email address in it, to keep."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return ADDRESS.sub("<address>", str(text))[:limit]


def deliver(delivery: Delivery, email: IssueEmail, connection, now: datetime.datetime | None = None) -> str:
    """Send one claimed delivery and record what became of it: "sent", "retry", "failed" or "skipped"."""
    subscriber = delivery.subscriber
    if subscriber is None or subscriber.status != Subscriber.Status.ACTIVE:
        Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.SKIPPED)
        return "skipped"
    code: int | None = None
    try:
        # Opened here, not by send_messages(), which would close it again: one session for many messages.
        connection.open()
        connection.send_messages([email.message_for(subscriber, connection)])
    except smtplib.SMTPRecipientsRefused as exc:
        code, answer = next(iter(exc.recipients.values()), (None, b""))
    except smtplib.SMTPResponseException as exc:
        code, answer = exc.smtp_code, exc.smtp_error
    except (smtplib.SMTPException, OSError) as exc:
        # Connection refused, dropped or timed out: a temporary failure.
        answer = type(exc).__name__
    else:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.SENT, sent_at=timezone.now(), attempts=delivery.attempts + 1, smtp_code=250, error="",
        )
        return "sent"
    # After a refusal the session may be in any state: start the next message on a fresh one.
    connection.close()
    if code is not None and 500 <= code < 600:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED, attempts=delivery.attempts + 1, smtp_code=code, error=scrub(answer),
        )
        subscriber.record_permanent_failure()
        logger.warning("Delivery %s of issue %s failed for good (SMTP %s).", delivery.pk, delivery.issue_id, code)
        return "failed"
    return record_temporary_failure(delivery, code, scrub(answer), now)


def record_temporary_failure(delivery: Delivery, code: int | None, answer: str, now: datetime.datetime | None = None) -> str:
    """Queue the delivery again after the next backoff delay, or fail it when none is left."""
    attempts = delivery.attempts + 1
    if attempts > len(RETRY_DELAYS):
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.FAILED, attempts=attempts, smtp_code=code, error=answer,
        )
        logger.warning("Delivery %s of issue %s failed after %s attempts.", delivery.pk, delivery.issue_id, attempts)
        return "failed"
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.QUEUED, attempts=attempts, smtp_code=code, error=answer,
        next_attempt_at=(now or timezone.now()) + RETRY_DELAYS[attempts - 1],
    )
    return "retry"


def send_due(issue_id: int, now: datetime.datetime | None = None) -> dict[str, int]:
    """Send the issue's due deliveries until none is left: what one ``send_issue`` task does. Counts by outcome.

    NEWSLETTER_SENDING_THREADS senders work side by side, each with its own
    SMTP session and database connection: most of a send is waiting for the
    mail server, so one process keeps several sessions busy.
    """
    record_recipients(issue_id, now)
    issue = Issue.objects.filter(pk=issue_id).first()
    if issue is None:
        return {}
    editions = Delivery.objects.filter(issue_id=issue_id, status=Delivery.Status.QUEUED).order_by().values_list("edition", flat=True).distinct()
    emails = {edition: render_issue_email(issue, edition) for edition in editions}
    threads = max(1, settings.NEWSLETTER_SENDING_THREADS)
    if threads == 1:
        outcomes = send_loop(issue_id, emails, now)
    else:
        with ThreadPoolExecutor(threads, thread_name_prefix="newsletter") as pool:
            outcomes = sum(pool.map(lambda _n: send_loop_in_thread(issue_id, emails, now), range(threads)), Counter())
    if outcomes["retry"]:
        schedule_retry(issue_id)
    return dict(outcomes)


def send_loop_in_thread(issue_id: int, emails: dict[str, IssueEmail], now: datetime.datetime | None) -> Counter:
    try:
        return send_loop(issue_id, emails, now)
    finally:
        db_connection.close()  # this thread's own


def send_loop(issue_id: int, emails: dict[str, IssueEmail], now: datetime.datetime | None = None) -> Counter:
    """One sender: claim, send, record, until nothing is left (see the module docstring).

    When nothing is left to claim but another sender is still sending, wait
    for it: if it died, its unsent deliveries come back once its claims are
    stale, and are sent here.
    """
    worker = worker_name()
    outcomes: Counter[str] = Counter()
    connection = get_connection()
    renewed = time.monotonic()
    try:
        while True:
            batch = claim_batch(issue_id, worker, now)
            for index, delivery in enumerate(batch):
                if time.monotonic() - renewed > settings.NEWSLETTER_SENDING_LEASE / 4:
                    # Claims that were taken over (this sender was too slow and
                    # looked dead) are no longer ours to send.
                    if renew_claims(issue_id, worker) < len(batch) - index:
                        logger.warning("Sender %s lost its claims; it leaves them to the others.", worker)
                        break
                    renewed = time.monotonic()
                email = emails.get(delivery.edition) or emails.setdefault(
                    delivery.edition, render_issue_email(Issue.objects.get(pk=issue_id), delivery.edition),
                )
                outcomes[deliver(delivery, email, connection, now)] += 1
            if batch or any(recover_stale(issue_id, now)):
                continue
            if now is not None or not Delivery.objects.filter(issue_id=issue_id, status=Delivery.Status.SENDING).exists():
                break
            time.sleep(1)
    finally:
        connection.close()
    return outcomes


def schedule_retry(issue_id: int) -> None:
    """Queue a task for when the earliest retry of the issue is due, where the task backend can wait (not in process)."""
    from .tasks import send_issue

    due = Delivery.objects.filter(issue_id=issue_id, status=Delivery.Status.QUEUED).aggregate(at=Min("next_attempt_at"))["at"]
    if due is not None and send_issue.get_backend().supports_defer:
        send_issue.using(run_after=due).enqueue(issue_id)


def resume(now: datetime.datetime | None = None) -> list[int]:
    """Recover the deliveries of workers that died, and queue tasks for every issue with deliveries due; their ids."""
    now = now or timezone.now()
    recover_stale(now=now)
    waiting = list(
        Mailing.objects.filter(recipients_recorded_at__isnull=True).filter(Issue.objects.published_condition("issue__", now))
        .values_list("issue_id", flat=True)
    )
    waiting += list(Delivery.objects.due(now).order_by().values_list("issue_id", flat=True).distinct())
    issue_ids = sorted(set(waiting))
    for issue_id in issue_ids:
        start_sending(issue_id)
    return issue_ids


def send_test(issue: Issue, to: str, edition: str) -> None:
    """Send ``issue`` in ``edition`` to ``to`` as a subscriber would get it (an editor's test), at once.

    The unsubscribe link is the address's own if it subscribes, else one that
    unsubscribes nobody. Raises the SMTP error, for the editor to see.
    """
    from django.urls import reverse
    from django.utils import translation

    subscriber = Subscriber.objects.with_address(to).first()
    if subscriber is not None:
        url = subscriber.unsubscribe_url(edition)
    else:
        with translation.override(edition):
            url = settings.SITE_URL + reverse("newsletter:unsubscribe", kwargs={"token": "test"})
    render_issue_email(issue, edition).message(to, url).send()
