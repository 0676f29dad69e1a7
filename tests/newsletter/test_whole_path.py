"""The whole path of the email edition against a real SMTP server: subscribe, confirm, receive, unsubscribe."""

from __future__ import annotations

import pytest

from issues import workflow
from newsletter.models import Delivery, Subscriber
from tests.factories import EntryFactory, IssueFactory, editor

from .helpers import link_in, path_of

pytestmark = pytest.mark.django_db


def ready_issue(**kwargs):
    issue = IssueFactory(title="嵌入式AI简报 (2026-11-11)", title_en="Embedded AI briefing (2026-11-11)",
                         headline="NanoDet/量化", lead="本期 **导读**。", lead_en="This issue's **lead**.", **kwargs)
    EntryFactory(issue=issue, title="INT4 量化实测", title_en="INT4 quantization measured",
                 url="https://example.com/int4", summary="中文摘要。", summary_en="An English summary.", tags=["量化"])
    return issue


def publish(issue, user):
    workflow.submit_for_review(issue, user)
    workflow.publish(issue, user)


def test_subscribe_confirm_receive_the_issue_and_unsubscribe_with_one_click(client, smtp, django_capture_on_commit_callbacks):
    # Subscribe to the English edition from the footer form of any page.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/en/subscribe/", {"email": "Reader@Example.com", "edition": "en", "website": ""})
    assert response.status_code == 302 and response["Location"] == "/en/subscribe/sent/"
    subscriber = Subscriber.objects.get()
    assert subscriber.status == Subscriber.Status.PENDING

    # The confirmation email.
    [confirmation] = smtp.to("Reader@Example.com")
    text = confirmation.part("plain")
    confirm_url = link_in(text, "/subscribe/confirm/")
    assert confirm_url.startswith("https://briefing.example.org/en/subscribe/confirm/")
    assert confirm_url in confirmation.part("html")

    # A GET (a mail scanner following the link) does not confirm.
    page = client.get(path_of(confirm_url))
    assert page.status_code == 200 and "Confirm my subscription" in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING

    # The button's POST does.
    client.post(path_of(confirm_url))
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE and subscriber.edition == "en"

    # Publishing sends the issue; the worker (in process here) delivers it.
    issue = ready_issue()
    boss = editor(username="publisher")
    smtp.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publish(issue, boss)
    [received] = smtp.to("Reader@Example.com")
    message = received.message
    assert message["Subject"] == "Embedded AI briefing (2026-11-11)"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = message["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe_url.startswith("https://briefing.example.org/en/unsubscribe/")
    html, text = received.part("html"), received.part("plain")
    # The English edition, with absolute links, the web link and the unsubscribe footer in both parts.
    for part in (html, text):
        assert "INT4 quantization measured" in part and "An English summary." in part
        assert "https://briefing.example.org/en/issues/" in part
        assert unsubscribe_url in part
        assert "中文摘要" not in part
    assert 'href="/' not in html and "<style" not in html and 'style="' in html  # CSS inlined
    assert "https://briefing.example.org/en/tags/" in html
    assert Delivery.objects.get().status == Delivery.Status.SENT

    # A mail provider's one-click unsubscribe: a bare POST, no cookie, no CSRF token.
    from django.test import Client

    provider = Client(enforce_csrf_checks=True)
    response = provider.post(path_of(unsubscribe_url), "List-Unsubscribe=One-Click",
                             content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED

    # The next issue is not sent to that address.
    smtp.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publish(ready_issue(), boss)
    assert smtp.to("Reader@Example.com") == []


def test_each_subscriber_gets_their_own_edition(client, smtp, django_capture_on_commit_callbacks):
    from .helpers import subscriber

    subscriber("zh@example.com", edition="zh-hans")
    subscriber("en@example.com", edition="en")
    with django_capture_on_commit_callbacks(execute=True):
        publish(ready_issue(), editor(username="publisher"))
    [zh] = smtp.to("zh@example.com")
    [en] = smtp.to("en@example.com")
    assert zh.message["Subject"] == "嵌入式AI简报 (2026-11-11)"
    assert "中文摘要" in zh.part("plain") and "中文摘要" in zh.part("html")
    assert "https://briefing.example.org/issues/" in zh.part("html")
    assert "https://briefing.example.org/unsubscribe/" in zh.message["List-Unsubscribe"]
    assert "An English summary." in en.part("plain")
