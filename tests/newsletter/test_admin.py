"""The editors' side: a test send, delivery progress on the issue page, subscriber counts, CSV export and import."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from issues import workflow
from newsletter.models import Delivery, Subscriber
from tests.factories import EntryFactory, IssueFactory, editor, superuser
from tests.issues.conftest import login

from .helpers import subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss():
    return editor(username="boss", email="boss@briefing.example.org")


def draft_issue():
    issue = IssueFactory(title="SECRET draft title", title_en="Draft in English")
    EntryFactory(issue=issue, title="SECRET draft entry", title_en="Draft entry in English")
    return issue


def test_send_a_test_to_me_sends_the_issue_as_subscribers_get_it(smtp, boss):
    issue = draft_issue()
    client = login(boss, language="en")
    page = client.get(f"/admin/issues/issue/{issue.pk}/change/").content.decode()
    assert "Send a test to me" in page and "boss@briefing.example.org" in page
    response = client.post(f"/admin/newsletter/subscriber/test/{issue.pk}/", {"edition": "en"}, follow=True)
    assert "A test of this issue (English) is on its way to boss@briefing.example.org." in response.content.decode()
    [received] = smtp.to("boss@briefing.example.org")
    assert received.message["Subject"] == "Draft in English"
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Draft entry in English" in received.part("html") and "Draft entry in English" in received.part("plain")
    # A test is not a delivery.
    assert not Delivery.objects.exists()


def test_a_test_send_needs_a_post_and_an_address(smtp, boss):
    issue = draft_issue()
    client = login(boss, language="en")
    assert client.get(f"/admin/newsletter/subscriber/test/{issue.pk}/").status_code == 405
    nobody = editor(username="no-mail", email="")
    response = login(nobody, language="en").post(f"/admin/newsletter/subscriber/test/{issue.pk}/", {"edition": "en"}, follow=True)
    assert "Your account has no email address" in response.content.decode()
    assert smtp.received == []


def test_the_issue_page_shows_its_delivery(smtp, boss, django_capture_on_commit_callbacks):
    for n in range(3):
        subscriber(f"r{n}@example.com")
    smtp.refuse["r2@example.com"] = "550 5.1.1 no such user"
    issue = draft_issue()
    client = login(boss, language="en")
    assert "Publishing sends this issue by email to 3 active subscribers, once." in \
        client.get(f"/admin/issues/issue/{issue.pk}/change/").content.decode()
    workflow.submit_for_review(issue, boss)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.publish(issue, boss)
    page = client.get(f"/admin/issues/issue/{issue.pk}/change/").content.decode()
    assert "Sent: 3 of 3 deliveries finished." in page
    assert 'class="delivery-sent">Sent: <strong>2</strong>' in page
    assert 'class="delivery-failed">Failed: <strong>1</strong>' in page
    # While sending: a progress figure.
    Delivery.objects.filter(status=Delivery.Status.SENT).update(status=Delivery.Status.QUEUED)
    page = client.get(f"/admin/issues/issue/{issue.pk}/change/").content.decode()
    assert "Sending: 1 of 3 (33%)." in page
    # Addresses stay out of the issue page.
    assert "r0@example.com" not in page


def test_the_dashboard_counts_subscribers_by_edition_and_status(boss):
    subscriber("a@example.com", edition="zh-hans")
    subscriber("b@example.com", edition="zh-hans", status=Subscriber.Status.PENDING)
    subscriber("c@example.com", edition="en")
    subscriber("d@example.com", edition="en", status=Subscriber.Status.UNSUBSCRIBED)
    subscriber("e@example.com", edition="en", status=Subscriber.Status.BOUNCING)
    counts = Subscriber.objects.counts()
    statuses = [value for value, _label in counts["statuses"]]
    assert statuses == ["pending", "active", "unsubscribed", "bouncing"]
    assert [numbers for _label, numbers in counts["rows"]] == [[1, 1, 0, 0], [0, 1, 1, 1]]
    assert counts["totals"] == [1, 2, 1, 1]
    page = login(boss, language="en").get("/admin/").content.decode()
    assert 'id="dashboard-subscribers"' in page and 'Email subscribers <span class="count">(2 active)</span>' in page
    assert page.count('class="subscriber-count"') == 2
    assert "a@example.com" not in page


def test_subscribers_are_searchable_and_exported_as_csv(boss):
    subscriber("findme@example.com", edition="en")
    subscriber("other@example.com")
    client = login(superuser(username="root"), language="en")
    page = client.get("/admin/newsletter/subscriber/", {"q": "findme"}).content.decode()
    assert "findme@example.com" in page and "other@example.com" not in page
    response = client.get("/admin/newsletter/subscriber/export/")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["email", "edition", "status", "subscribed", "confirmed", "unsubscribed"]
    assert sorted(row[:3] for row in rows[1:]) == [["findme@example.com", "en", "active"], ["other@example.com", "zh-hans", "active"]]
    # Editors may manage subscribers too (newsletter/0001_initial).
    assert login(boss).get("/admin/newsletter/subscriber/").status_code == 200


def upload(text: str, name: str = "readers.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_csv_import_records_pending_addresses_and_sends_each_a_confirmation(smtp, boss, django_capture_on_commit_callbacks):
    subscriber("already@example.com")
    subscriber("left@example.com", status=Subscriber.Status.UNSUBSCRIBED)
    client = login(boss, language="en")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/newsletter/subscriber/import/", {
            "edition": "zh-hans",
            "file": upload("email,edition\nnew1@example.com,en\nnew2@example.com,\nalready@example.com,en\nleft@example.com,\n"),
        }, follow=True)
    assert "2 address(es) recorded as pending, each sent a confirmation email; 1 already subscribed; 1 skipped" in \
        response.content.decode()
    new1 = Subscriber.objects.get(email="new1@example.com")
    assert (new1.status, new1.edition) == (Subscriber.Status.PENDING, "en")
    assert Subscriber.objects.get(email="new2@example.com").edition == "zh-hans"
    assert len(smtp.to("new1@example.com")) == len(smtp.to("new2@example.com")) == 1
    assert smtp.to("already@example.com") == [] and smtp.to("left@example.com") == []
    assert Subscriber.objects.get(email="left@example.com").status == Subscriber.Status.UNSUBSCRIBED


def test_a_csv_import_with_a_bad_line_says_where_and_imports_nothing(smtp, boss):
    client = login(boss, language="en")
    response = client.post("/admin/newsletter/subscriber/import/", {
        "edition": "en", "file": upload("email\ngood@example.com\nnot-an-address\nalso@example.com,fr\n"),
    })
    page = response.content.decode()
    assert "readers.csv, line 3: “not-an-address” is not an email address." in page
    assert not Subscriber.objects.exists() and smtp.received == []
    response = client.post("/admin/newsletter/subscriber/import/", {"edition": "en", "file": upload("name\nx\n", "list.csv")})
    assert "list.csv, line 1: there is no “email” column." in response.content.decode()


def test_subscribers_are_never_added_by_hand_and_deleting_one_leaves_no_address_in_the_log(boss):
    reader = subscriber("erase@example.com")
    client = login(superuser(username="root"), language="en")
    assert client.get("/admin/newsletter/subscriber/add/").status_code == 403
    client.post(f"/admin/newsletter/subscriber/{reader.pk}/delete/", {"post": "yes"})
    assert not Subscriber.objects.exists()
    from django.contrib.admin.models import LogEntry

    assert LogEntry.objects.exists()
    assert all("erase@example.com" not in entry.object_repr for entry in LogEntry.objects.all())
