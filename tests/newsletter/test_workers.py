"""Real `manage.py db_worker` processes on PostgreSQL: killed mid-send and restarted, they send the rest, nobody twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from issues import workflow
from newsletter.models import Delivery, Subscriber
from tests.briefing.server import database_url
from tests.factories import EntryFactory, IssueFactory, editor

from .helpers import subscriber
from .smtp import SMTPServer

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
                       reason="several workers share the queue on PostgreSQL"),
]

ROOT = Path(__file__).resolve().parents[2]
SUBSCRIBERS = 150
THREADS = 2


class Worker:
    """`python manage.py db_worker`, as production runs it."""

    def __init__(self, name: str, env: dict) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1",
             "--worker-id", name, "--verbosity", "0"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )

    def kill(self) -> None:
        """A crash: SIGKILL, nothing cleaned up."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def unfinished() -> int:
    return Delivery.objects.filter(status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING]).count()


def test_workers_killed_mid_send_and_restarted_send_the_rest_and_nobody_twice(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with SMTPServer() as server:
        sink = server.sink
        env = {
            **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DEBUG"}},
            "DATABASE_URL": database_url(), "TASKS_BACKEND": "database", "DEBUG": "0", "LOG_LEVEL": "CRITICAL",
            "EMAIL_URL": server.url, "NEWSLETTER_SENDING_THREADS": str(THREADS), "NEWSLETTER_SENDING_TASKS": "4",
            "NEWSLETTER_SENDING_LEASE": "3",
        }
        for n in range(SUBSCRIBERS):
            subscriber(f"reader{n}@example.com", edition="en" if n % 2 else "zh-hans")
        issue = IssueFactory()
        EntryFactory(issue=issue)
        boss = editor(username="publisher")
        workflow.submit_for_review(issue, boss)
        workflow.publish(issue, boss)  # committed: four send_issue tasks wait in the database

        # The sink holds its answers after 20 messages: every sender is then mid-send.
        sink.hold_after = 20
        first, second = Worker("first", env), Worker("second", env)
        try:
            wait_for(lambda: len(sink.received) >= 20, 120, "the first messages")
            time.sleep(1)
            first.kill()
            sink.hold_after = 60
            wait_for(lambda: len(sink.received) >= 60, 120, "more messages from the second worker")
            time.sleep(1)
            second.kill()
            # No worker is left. Restarted, the first one finishes the issue on its own,
            # taking over what the dead ones had claimed once their claims are stale.
            stopped_at = len(sink.received)
            sink.hold_after = None
            restarted = Worker("first", env)
            try:
                wait_for(lambda: unfinished() == 0, 180, "every delivery to be finished")
            finally:
                restarted.stop()
        finally:
            first.stop()
            second.stop()
        connection.close()

        per_address = Counter(address for received in sink.received for address in received.rcpt_tos)
        statuses = Counter(Delivery.objects.filter(issue=issue).values_list("status", flat=True))
        interrupted = set(Delivery.objects.filter(status=Delivery.Status.INTERRUPTED)
                          .values_list("subscriber__email", flat=True))

    assert not [address for address, count in per_address.items() if count > 1], "somebody got the issue twice"
    # Only a message being handed over when its worker died can be in doubt: one per sender thread of each.
    assert 1 <= statuses[Delivery.Status.INTERRUPTED] <= 2 * THREADS
    assert statuses[Delivery.Status.SENT] + statuses[Delivery.Status.INTERRUPTED] == SUBSCRIBERS
    everyone = set(Subscriber.objects.values_list("email", flat=True))
    assert everyone - interrupted <= set(per_address), "everyone else got the issue"
    assert len(sink.received) > stopped_at, "the restarted worker sent the rest"
