"""Subscribing: the same answer for everyone, limits, bad input, single-use expiring confirmation links."""

from __future__ import annotations

import time

import pytest
from django.core import signing
from django.test import Client

from newsletter import limits
from newsletter.models import Subscriber

from .helpers import link_in, path_of, subscriber

pytestmark = pytest.mark.django_db


def subscribe(client, email, edition="zh-hans", prefix="", **extra):
    return client.post(f"{prefix}/subscribe/", {"email": email, "edition": edition, "website": "", **extra})


def test_the_answer_is_the_same_whether_or_not_the_address_is_known(client, smtp, django_capture_on_commit_callbacks):
    subscriber("known@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        known = subscribe(client, "known@example.com")
        unknown = subscribe(client, "new@example.com")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"]) == (302, "/subscribe/sent/")
    sent = client.get("/subscribe/sent/")
    assert sent.status_code == 200
    page = sent.content.decode()
    assert "known@example.com" not in page and "new@example.com" not in page
    # The known, active address stays active in its edition until the new link is used.
    assert Subscriber.objects.get(email="known@example.com").status == Subscriber.Status.ACTIVE
    assert Subscriber.objects.get(email="new@example.com").status == Subscriber.Status.PENDING
    assert len(smtp.to("known@example.com")) == len(smtp.to("new@example.com")) == 1


@pytest.mark.parametrize("email, message", [
    ("not an address", "Enter a valid email address."),
    ("a" * 288 + "@example.com", "at most 254 characters (it has 300)"),
    ("victim@example.com\r\nBcc: everyone@example.com", "An email address is one line: remove the line break."),
    ("victim@example.com\nBcc: everyone@example.com", "An email address is one line: remove the line break."),
])
def test_bad_input_gets_a_clear_message_and_stores_nothing(client, smtp, email, message):
    response = client.post("/en/subscribe/", {"email": email, "edition": "en"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Subscriber.objects.exists()
    assert smtp.received == []


def test_an_unknown_edition_is_refused(client, smtp):
    response = client.post("/en/subscribe/", {"email": "reader@example.com", "edition": "fr"})
    assert response.status_code == 400 and "Select a valid choice. fr is not one of the available choices." in response.content.decode()
    assert not Subscriber.objects.exists()


def test_a_filled_honeypot_answers_the_same_and_stores_nothing(client, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = subscribe(client, "bot@example.com", website="https://spam.example")
    assert response.status_code == 302 and response["Location"] == "/subscribe/sent/"
    assert not Subscriber.objects.exists()
    assert smtp.received == []


def test_an_address_is_sent_a_few_confirmations_a_day_at_most(client, smtp, django_capture_on_commit_callbacks):
    most, _window = limits.PER_ADDRESS
    for n in range(most + 2):
        with django_capture_on_commit_callbacks(execute=True):
            # From different networks: the address's own limit applies.
            response = subscribe(Client(REMOTE_ADDR=f"10.0.0.{n + 1}"), "target@example.com")
        assert response.status_code == 302
    assert len(smtp.to("target@example.com")) == most


def test_one_network_may_ask_only_so_often(client, smtp, django_capture_on_commit_callbacks):
    most, _window = limits.PER_CLIENT
    for n in range(most):
        with django_capture_on_commit_callbacks(execute=True):
            assert subscribe(client, f"reader{n}@example.com").status_code == 302
    response = subscribe(client, "one-more@example.com", prefix="/en")
    assert response.status_code == 429
    assert "Too many subscription requests came from your network" in response.content.decode()
    assert not Subscriber.objects.filter(email="one-more@example.com").exists()
    # Another network is not held back.
    assert subscribe(Client(REMOTE_ADDR="10.1.2.3"), "one-more@example.com").status_code == 302


def confirmation_link(smtp, email: str) -> str:
    return path_of(link_in(smtp.to(email)[-1].part("plain"), "/subscribe/confirm/"))


def test_a_confirmation_link_works_once(client, smtp, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        subscribe(client, "once@example.com", edition="en", prefix="/en")
    link = confirmation_link(smtp, "once@example.com")
    assert client.post(link).status_code == 200
    assert Subscriber.objects.get().status == Subscriber.Status.ACTIVE
    again = client.post(link)
    assert again.status_code == 400
    assert "This link has expired or has already been used." in client.get(link).content.decode()


def test_a_confirmation_link_expires_after_seven_days(client, smtp, django_capture_on_commit_callbacks, monkeypatch):
    with django_capture_on_commit_callbacks(execute=True):
        subscribe(client, "late@example.com", edition="en", prefix="/en")
    link = confirmation_link(smtp, "late@example.com")
    assert link.startswith("/en/subscribe/confirm/")
    # Eight days later, by the signature's clock.
    later = time.time() + 8 * 24 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: later)
    page = client.get(link)
    assert "This link has expired or has already been used." in page.content.decode()
    assert client.post(link).status_code == 400
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


def test_a_forged_confirmation_token_confirms_nobody(client):
    pending = subscriber("pending@example.com", status=Subscriber.Status.PENDING)
    Subscriber.objects.filter(pk=pending.pk).update(confirmation_key="k" * 32)
    forged = signing.dumps({"s": pending.pk, "k": "k" * 32, "e": "en"}, salt="another.salt")
    assert client.post(f"/en/subscribe/confirm/{forged}/").status_code == 400
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


def test_unsubscribe_page_asks_before_it_unsubscribes(client):
    reader = subscriber("reader@example.com", edition="en")
    url = path_of(reader.unsubscribe_url())
    page = client.get(url)
    assert page.status_code == 200 and "<form method=\"post\"" in page.content.decode()
    assert "no-store" in page["Cache-Control"] or "max-age=0" in page["Cache-Control"]
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.ACTIVE
    assert client.post(url).status_code == 200
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.UNSUBSCRIBED


def test_a_bad_unsubscribe_token_changes_nothing(client):
    reader = subscriber("reader@example.com")
    response = Client(enforce_csrf_checks=True).post("/unsubscribe/eyJzIjoxfQ:forged/", "List-Unsubscribe=One-Click",
                                                     content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    reader.refresh_from_db()
    assert reader.status == Subscriber.Status.ACTIVE


def test_every_public_page_has_the_subscribe_form_and_stays_cacheable(client, settings):
    from tests.public_content import published

    settings.PUBLIC_CACHE_SECONDS = 600
    issue = published()
    for path in ["/", "/en/", issue.get_absolute_url(), "/tags/", "/subscribe/", "/en/subscribe/"]:
        first = client.get(path)
        body = first.content.decode()
        assert 'action="/subscribe/"' in body or 'action="/en/subscribe/"' in body, path
        assert "csrfmiddlewaretoken" not in body, path
        assert first.cookies == {} or "csrftoken" not in first.cookies, path
        assert client.get(path)["X-Cache"] == "hit", path
    # The subscribe page has one form, not the footer's as well.
    assert client.get("/subscribe/").content.decode().count('class="subscribe-form"') == 1
    assert client.get("/").content.decode().count('class="subscribe-form"') == 1


def test_the_footer_form_subscribes_without_a_csrf_token(smtp, django_capture_on_commit_callbacks):
    reader = Client(enforce_csrf_checks=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = reader.post("/subscribe/", {"email": "footer@example.com", "edition": "zh-hans", "website": ""})
    assert response.status_code == 302
    assert len(smtp.to("footer@example.com")) == 1


@pytest.mark.parametrize("edition, prefix, subject", [
    ("zh-hans", "", "确认订阅边缘推理周报"),
    ("en", "/en", "Confirm your subscription to Edge Inference Weekly"),
])
def test_the_confirmation_email_names_the_site_as_configured_for_its_edition(client, smtp, settings, django_capture_on_commit_callbacks, edition, prefix, subject):
    settings.SITE_NAMES = {"zh-hans": "边缘推理周报", "en": "Edge Inference Weekly"}
    with django_capture_on_commit_callbacks(execute=True):
        subscribe(client, "reader@example.com", edition=edition, prefix=prefix)
    [mail] = smtp.to("reader@example.com")
    assert mail.message["Subject"] == subject
    name = settings.SITE_NAMES[edition]
    assert name in mail.part("plain") and name in mail.part("html")
    assert "嵌入式AI简报" not in mail.content.decode("utf-8", "replace")
