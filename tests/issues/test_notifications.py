"""Workflow email: who hears of which step, what it says, and the profile switch that turns it off."""

from __future__ import annotations

import datetime
import email
import email.header
import email.policy
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from issues import workflow
from issues.models import Profile
from tests.factories import EntryFactory, IssueFactory, contributor, editor
from tests.issues.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "author": contributor(username="li", email="li@example.org"),
        "boss": editor(username="wang", email="wang@example.org"),
        "other_editor": editor(username="zhao", email="zhao@example.org"),
        "quiet_editor": editor(username="sun", email=""),  # no address: nothing to send
    }


@pytest.fixture
def issue(people):
    issue = IssueFactory(created_by=people["author"])
    EntryFactory(issue=issue)
    return issue


def issue_url(issue) -> str:
    return f"{settings.SITE_URL}/admin/issues/issue/{issue.pk}/change/"


def test_editors_hear_of_a_submission_the_author_of_changes_requested_and_of_publication(
        issue, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_for_review(issue, people["author"])
    assert sorted(m.to[0] for m in mail.outbox) == ["wang@example.org", "zhao@example.org"]
    assert all(m.subject == f"[简报] “{issue}”待审阅" and issue_url(issue) in m.body for m in mail.outbox)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_changes(issue, people["boss"], "请补上导读。")
    [message] = mail.outbox
    assert message.to == ["li@example.org"] and "请补上导读。" in message.body and issue_url(issue) in message.body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_for_review(issue, people["author"])
        when = timezone.now() + datetime.timedelta(days=2)
        workflow.publish(issue, people["boss"], publish_at=when)
    scheduled = [m for m in mail.outbox if m.to == ["li@example.org"]]
    assert len(scheduled) == 1
    assert timezone.localtime(when).strftime("%Y-%m-%d %H:%M") in scheduled[0].subject
    assert "Asia/Shanghai" in scheduled[0].subject

    # When its time comes, the author hears it is published.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish_due(now=when + datetime.timedelta(minutes=1))
    [published] = mail.outbox
    assert published.to == ["li@example.org"] and "已发布" in published.subject


def test_whoever_takes_the_step_is_not_emailed_about_it(issue, people, django_capture_on_commit_callbacks):
    issue.created_by = people["boss"]
    issue.save()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_for_review(issue, people["boss"])
        workflow.publish(issue, people["boss"])
    assert [m.to for m in mail.outbox] == [["zhao@example.org"]]


def test_email_can_be_turned_off_on_the_profile(issue, people, django_capture_on_commit_callbacks):
    client = login(people["other_editor"], language="en")
    page = client.get("/admin/issues/issue/profile/")
    assert page.status_code == 200 and "zhao@example.org" in page.content.decode()
    assert client.post("/admin/issues/issue/profile/", {}).status_code == 302  # the box unticked
    assert Profile.objects.get(user=people["other_editor"]).email_notifications is False
    assert "Workflow emails are off." in client.get("/admin/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_for_review(issue, people["author"])
    assert [m.to for m in mail.outbox] == [["wang@example.org"]]


def test_nothing_is_sent_for_a_step_that_is_rolled_back(issue, people):
    # Without the commit (the test's transaction is never committed), no mail leaves.
    workflow.submit_for_review(issue, people["author"])
    assert mail.outbox == []


class Collector:
    """An SMTP server's handler (aiosmtpd) keeping each message it is given."""

    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    controller_module = pytest.importorskip("aiosmtpd.controller", reason="needs aiosmtpd: make install")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Collector()
    controller = controller_module.Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield handler
    finally:
        controller.stop()


def test_a_submission_is_delivered_to_each_editor_by_a_real_smtp_server(
        issue, people, smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_for_review(issue, people["author"])
    assert sorted(rcpt for envelope in smtp_server.envelopes for rcpt in envelope.rcpt_tos) == [
        "wang@example.org", "zhao@example.org",
    ]
    assert len(smtp_server.envelopes) == 2  # one message each: editors do not see each other's address
    message = email.message_from_bytes(smtp_server.envelopes[0].content, policy=email.policy.default)
    subject = str(email.header.make_header(email.header.decode_header(
        email.message_from_bytes(smtp_server.envelopes[0].content)["Subject"])))
    assert subject == f"[简报] “{issue}”待审阅"
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    assert issue_url(issue) in message.get_content()


def test_a_mail_server_that_is_down_does_not_stop_the_step(issue, people, settings, django_capture_on_commit_callbacks):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_for_review(issue, people["author"])
    issue.refresh_from_db()
    assert issue.status == "review"


def read_settings(env: dict) -> dict:
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({k: getattr(settings, k, None) for k in "
        "['EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_USE_TLS', 'EMAIL_HOST_USER', 'DEFAULT_FROM_EMAIL']}))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith("EMAIL_") and k != "DEFAULT_FROM_EMAIL"}
    out = subprocess.run(
        [sys.executable, "-c", code], env={**base, "DJANGO_SETTINGS_MODULE": "briefing.settings", **env},
        cwd=Path(settings.BASE_DIR), capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout)


def test_email_url_configures_smtp_and_the_console_is_the_default():
    assert read_settings({})["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    configured = read_settings({
        "EMAIL_URL": "smtp://briefing:secret@smtp.example.org:587/?tls=True", "DEFAULT_FROM_EMAIL": "简报 <noreply@example.org>",
    })
    assert configured == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "smtp.example.org",
        "EMAIL_PORT": 587, "EMAIL_USE_TLS": True, "EMAIL_HOST_USER": "briefing",
        "DEFAULT_FROM_EMAIL": "简报 <noreply@example.org>",
    }
