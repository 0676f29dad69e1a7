"""The editors' dashboard on the admin index."""

import datetime

import pytest
from django.utils import timezone

from entries.models import Entry, LinkCheck
from issues import workflow
from issues.dashboard import editors_dashboard
from issues.models import Issue
from tests.factories import EntryFactory, IssueFactory, contributor, editor, published_issue
from tests.issues.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    author, other, boss = contributor(username="li"), contributor(username="zhao"), editor(username="wang")
    today = timezone.localdate()
    in_review = IssueFactory(date=today + datetime.timedelta(days=3), created_by=author)
    EntryFactory(issue=in_review)
    workflow.submit_for_review(in_review, author)
    scheduled = IssueFactory(date=today + datetime.timedelta(days=1), created_by=author)
    EntryFactory(issue=scheduled, section=Entry.Section.PAPERS)
    EntryFactory(issue=scheduled, section=Entry.Section.PAPERS)
    EntryFactory(issue=scheduled, section=Entry.Section.PROJECTS, url="https://example.com/gone")
    workflow.submit_for_review(scheduled, author)
    when = timezone.now() + datetime.timedelta(days=1)
    workflow.publish(scheduled, boss, publish_at=when)
    draft_li = IssueFactory(date=today + datetime.timedelta(days=17), created_by=author)
    draft_zhao = IssueFactory(date=today + datetime.timedelta(days=31), created_by=other)
    public = published_issue()
    EntryFactory(issue=public, url="https://example.com/also-gone")
    for url in ("https://example.com/gone", "https://example.com/also-gone"):
        LinkCheck.objects.create(url=url, ok=False, status_code=404, checked_at=timezone.now())
    return locals()


def test_dashboard_data(desk):
    data = editors_dashboard(desk["boss"])
    assert data["awaiting_review"] == [desk["in_review"]]
    assert data["scheduled"] == [desk["scheduled"]]
    assert [(owner, [i.pk for i in issues]) for owner, issues in data["drafts_by_owner"]] == [
        ("li", [desk["draft_li"].pk]), ("zhao", [desk["draft_zhao"].pk]),
    ]
    # Only upcoming issues' links: the published issue's broken link is not listed.
    assert [(issue, check.url) for issue, _entry, check in data["broken_links"]] == [
        (desk["scheduled"], "https://example.com/gone"),
    ]
    assert data["next_issue"] == desk["scheduled"]
    counts = dict(data["next_issue_sections"])
    assert counts[Entry.Section.PAPERS.label] == 2 and counts[Entry.Section.PROJECTS.label] == 1
    assert counts[Entry.Section.BLOGS.label] == 0
    assert data["next_issue_total"] == 3


def test_admin_index_shows_the_dashboard_to_staff(desk, django_assert_max_num_queries):
    client = login(desk["boss"])
    with django_assert_max_num_queries(30):
        response = client.get("/admin/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="editors-dashboard"' in page
    assert str(desk["in_review"]) in page and str(desk["draft_zhao"]) in page
    assert timezone.localtime(desk["scheduled"].publish_at).strftime("%Y-%m-%d %H:%M") in page
    assert "https://example.com/gone" in page and "also-gone" not in page
    assert page.count('class="section-count"') == len(Entry.Section.choices)
    # Contributors see it too; the admin index is staff-only to begin with.
    assert 'id="editors-dashboard"' in login(desk["author"]).get("/admin/").content.decode()


def test_admin_index_needs_a_staff_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_empty_dashboard_says_so(db):
    page = login(editor(), language="en").get("/admin/").content.decode()
    assert "Nothing is waiting for review." in page or "awaiting" in page.lower()
    assert Issue.objects.count() == 0
