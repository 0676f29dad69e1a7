"""Sending an issue: once per subscriber, only when public, with retries, bounces and anonymous counts kept."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.utils import timezone

from issues import workflow
from issues.models import Issue
from newsletter import sending
from newsletter.models import Delivery, Mailing, Subscriber
from tests.factories import EntryFactory, IssueFactory, editor

from .helpers import subscriber

pytestmark = pytest.mark.django_db


def ready_issue(**kwargs) -> Issue:
    issue = IssueFactory(**kwargs)
    EntryFactory(issue=issue)
    return issue


@pytest.fixture
def boss():
    return editor(username="boss")


def publish(issue, user, **kwargs):
    workflow.submit_for_review(issue, user)
    return workflow.publish(issue, user, **kwargs)


def test_publishing_twice_sends_each_subscriber_the_issue_once(smtp, boss, django_capture_on_commit_callbacks):
    subscriber("a@example.com")
    subscriber("b@example.com", edition="en")
    issue = ready_issue()
    with django_capture_on_commit_callbacks(execute=True):
        publish(issue, boss)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.unpublish(issue, boss)
        publish(issue, boss)
    assert len(smtp.to("a@example.com")) == len(smtp.to("b@example.com")) == 1
    assert Mailing.objects.count() == 1
    assert Delivery.objects.filter(issue=issue, status=Delivery.Status.SENT).count() == 2


def test_pending_unsubscribed_and_bouncing_addresses_are_not_sent_the_issue(smtp, boss, django_capture_on_commit_callbacks):
    subscriber("active@example.com")
    for status in (Subscriber.Status.PENDING, Subscriber.Status.UNSUBSCRIBED, Subscriber.Status.BOUNCING):
        subscriber(f"{status}@example.com", status=status)
    with django_capture_on_commit_callbacks(execute=True):
        publish(ready_issue(), boss)
    assert [r.to for r in smtp.received] == ["active@example.com"]


def test_a_scheduled_issue_is_sent_when_publish_scheduled_records_it(smtp, boss, django_capture_on_commit_callbacks):
    subscriber("reader@example.com")
    issue = ready_issue()
    with django_capture_on_commit_callbacks(execute=True):
        publish(issue, boss, publish_at=timezone.now() + datetime.timedelta(hours=2))
    assert smtp.received == [] and not Mailing.objects.exists()
    # Before its time, the scheduler does nothing; after it, the email is queued and sent.
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish_due()
    assert smtp.received == []
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish_due(now=timezone.now() + datetime.timedelta(hours=3))
    Issue.objects.filter(pk=issue.pk).update(publish_at=timezone.now() - datetime.timedelta(minutes=1))
    sending.send_due(issue.pk)
    assert len(smtp.to("reader@example.com")) == 1


def test_an_issue_imported_from_the_archive_is_not_emailed(smtp, boss, django_capture_on_commit_callbacks):
    subscriber("reader@example.com")
    issue = ready_issue()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.record_import(issue, boss, publish=True, publish_at=timezone.now() - datetime.timedelta(days=900))
    assert smtp.received == [] and not Mailing.objects.exists()


def test_an_issue_unpublished_before_its_sending_ran_is_not_sent(smtp, boss, django_capture_on_commit_callbacks):
    subscriber("reader@example.com")
    issue = ready_issue()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish(issue, boss)
    workflow.unpublish(issue, boss)
    for callback in callbacks:
        callback()
    assert smtp.received == []
    # Its deliveries were never recorded; publishing again sends it.
    assert not Delivery.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        publish(issue, boss)
    assert len(smtp.to("reader@example.com")) == 1


def test_a_temporary_failure_is_retried_later_and_then_sent(smtp, boss, django_capture_on_commit_callbacks):
    subscriber("later@example.com")
    smtp.refuse_once["later@example.com"] = "451 4.7.1 Try again later"
    issue = ready_issue()
    with django_capture_on_commit_callbacks(execute=True):
        publish(issue, boss)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.smtp_code) == (Delivery.Status.QUEUED, 1, 451)
    assert delivery.next_attempt_at > timezone.now() + datetime.timedelta(seconds=30)
    # Not before its time.
    assert sending.send_due(issue.pk) == {}
    # Its time comes.
    outcome = sending.send_due(issue.pk, now=delivery.next_attempt_at + datetime.timedelta(seconds=1))
    assert outcome == {"sent": 1}
    assert len(smtp.to("later@example.com")) == 1
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_temporary_failures_back_off_and_give_up_at_last(smtp, boss, django_capture_on_commit_callbacks):
    subscriber("never@example.com")
    smtp.refuse["never@example.com"] = "452 4.2.2 Mailbox full"
    issue = ready_issue()
    with django_capture_on_commit_callbacks(execute=True):
        publish(issue, boss)
    waits = []
    for _ in sending.RETRY_DELAYS:
        delivery = Delivery.objects.get()
        assert delivery.status == Delivery.Status.QUEUED
        waits.append(delivery.next_attempt_at)
        sending.send_due(issue.pk, now=delivery.next_attempt_at + datetime.timedelta(seconds=1))
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == len(sending.RETRY_DELAYS) + 1
    gaps = [later - earlier for earlier, later in zip(waits, waits[1:])]
    assert gaps == sorted(gaps), "each wait is longer than the one before"
    assert Subscriber.objects.get().status == Subscriber.Status.ACTIVE  # mailbox full is not a bounce


def test_three_permanent_failures_mark_an_address_bouncing_and_it_is_skipped(smtp, boss, django_capture_on_commit_callbacks):
    subscriber("gone@example.com")
    subscriber("fine@example.com")
    smtp.refuse["gone@example.com"] = "550 5.1.1 <gone@example.com>: Recipient address rejected"
    for n in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            publish(ready_issue(), boss)
    failed = Delivery.objects.filter(status=Delivery.Status.FAILED)
    assert failed.count() == 3
    assert set(failed.values_list("smtp_code", flat=True)) == {550}
    assert all("gone@example.com" not in error for error in failed.values_list("error", flat=True))
    gone = Subscriber.objects.get(email="gone@example.com")
    assert gone.status == Subscriber.Status.BOUNCING and gone.permanent_failures == 3
    # The fourth issue was not even tried for that address.
    assert len(smtp.to("fine@example.com")) == 4
    assert Delivery.objects.filter(subscriber=gone).count() == 3


def test_an_address_unsubscribed_while_sending_is_skipped(smtp, boss, django_capture_on_commit_callbacks):
    reader = subscriber("reader@example.com")
    issue = ready_issue()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        publish(issue, boss)
    Mailing.objects.get(issue=issue)
    sending.record_recipients(issue.pk)
    reader.unsubscribe()
    for callback in callbacks:
        callback()
    assert smtp.received == []
    assert Delivery.objects.get().status == Delivery.Status.SKIPPED


def test_deleting_a_subscriber_erases_the_address_and_keeps_the_counts(smtp, boss, django_capture_on_commit_callbacks):
    reader = subscriber("erase-me@example.com")
    subscriber("stays@example.com")
    issue = ready_issue()
    with django_capture_on_commit_callbacks(execute=True):
        publish(issue, boss)
    reader.delete()
    assert not Subscriber.objects.filter(email__icontains="erase-me").exists()
    progress = Mailing.objects.get(issue=issue).progress()
    assert progress["by_status"][Delivery.Status.SENT] == 2 and progress["finished"]
    assert Delivery.objects.filter(subscriber__isnull=True, status=Delivery.Status.SENT).count() == 1


def test_addresses_never_reach_the_logs(smtp, boss, django_capture_on_commit_callbacks, caplog):
    caplog.set_level(logging.DEBUG)
    subscriber("bounce@example.com")
    subscriber("ok@example.com")
    smtp.refuse["bounce@example.com"] = "550 5.1.1 <bounce@example.com> unknown"
    with django_capture_on_commit_callbacks(execute=True):
        publish(ready_issue(), boss)
    # Briefing's own log, not the test's SMTP server's.
    ours = "\n".join(record.getMessage() for record in caplog.records if not record.name.startswith("mail.log"))
    assert "@example.com" not in ours
    assert "failed for good (SMTP 550)" in ours


def test_an_unreachable_server_is_a_temporary_failure(settings, boss, django_capture_on_commit_callbacks):
    from .smtp import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    subscriber("reader@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        publish(ready_issue(), boss)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.QUEUED and delivery.attempts == 1
    assert "ConnectionRefusedError" in delivery.error


def test_a_worker_that_died_leaves_one_delivery_interrupted_and_the_rest_are_sent(smtp, boss, django_capture_on_commit_callbacks):
    for n in range(5):
        subscriber(f"r{n}@example.com")
    issue = ready_issue()
    with django_capture_on_commit_callbacks(execute=False):
        publish(issue, boss)
    sending.record_recipients(issue.pk)
    # A worker claimed the five deliveries and died while sending the first of them.
    assert len(sending.claim_batch(issue.pk, "dead-worker")) == 5
    # While its claims are fresh, nobody touches them.
    assert sending.recover_stale(issue.pk) == (0, 0)
    later = timezone.now() + sending.lease() + datetime.timedelta(seconds=1)
    assert sending.recover_stale(issue.pk, now=later) == (1, 4)
    first = Delivery.objects.order_by("pk").first()
    assert first.status == Delivery.Status.INTERRUPTED
    assert sending.send_due(issue.pk, now=later) == {"sent": 4}
    assert sorted(r.to for r in smtp.received) == [f"r{n}@example.com" for n in range(1, 5)]


def test_the_issue_email_names_the_site_as_configured_for_its_edition(smtp, boss, settings, django_capture_on_commit_callbacks):
    settings.SITE_NAMES = {"zh-hans": "边缘推理周报", "en": "Edge Inference Weekly"}
    subscriber("zh@example.com")
    subscriber("en@example.com", edition="en")
    with django_capture_on_commit_callbacks(execute=True):
        publish(ready_issue(), boss)
    [zh], [en] = smtp.to("zh@example.com"), smtp.to("en@example.com")
    assert ">边缘推理周报</a>" in zh.part("html")
    assert ">Edge Inference Weekly</a>" in en.part("html")
    assert "嵌入式AI简报</a>" not in zh.part("html") + en.part("html")
