"""CSRF on every state-changing view, clickjacking protection, and limited login attempts."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from issues.models import Issue
from tests.factories import EntryFactory, IssueFactory, SourceFactory, editor, published_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


def test_every_state_changing_admin_view_refuses_a_post_without_csrf_token(csrf_client):
    user = editor()
    csrf_client.force_login(user)
    issue = IssueFactory(title="Untouched")
    EntryFactory(issue=issue)
    source = SourceFactory()
    posts = [
        (reverse("admin:issues_issue_add"), {"date": "2031-01-01", "title": "Forged"}),
        (reverse("admin:issues_issue_change", args=[issue.pk]), {"date": "2031-01-01", "title": "Forged"}),
        (reverse("admin:issues_issue_delete", args=[issue.pk]), {"post": "yes"}),
        (reverse("admin:issues_issue_transition", args=[issue.pk, "submit_for_review"]), {}),
        (reverse("admin:issues_issue_changelist"), {"action": "submit_selected_for_review", "_selected_action": [issue.pk]}),
        (reverse("admin:entries_source_change", args=[source.pk]), {"name": "Forged", "kind": "website"}),
        (reverse("admin:entries_source_delete", args=[source.pk]), {"post": "yes"}),
        (reverse("admin:entries_entry_add"), {"title": "Forged"}),
        (reverse("admin:entries_tag_add"), {"name": "forged", "slug": "forged"}),
        (reverse("admin:password_change"), {"old_password": "pass-word-123", "new_password1": "Forged-pass-1234",
                                             "new_password2": "Forged-pass-1234"}),
        (reverse("admin:logout"), {}),
        ("/markdownx/markdownify/", {"content": "**x**"}),
    ]
    for url, data in posts:
        response = csrf_client.post(url, data)
        assert response.status_code == 403, url
    issue.refresh_from_db()
    assert issue.title == "Untouched" and issue.status == Issue.Status.DRAFT
    assert not Issue.objects.filter(title="Forged").exists()
    source.refresh_from_db()
    assert source.name != "Forged"


def test_login_form_refuses_a_post_without_csrf_token(csrf_client):
    editor(username="victim")
    response = csrf_client.post(reverse("admin:login"), {"username": "victim", "password": "pass-word-123"})
    assert response.status_code == 403
    assert "_auth_user_id" not in csrf_client.session


def test_the_same_post_with_the_token_from_the_form_goes_through(csrf_client):
    csrf_client.force_login(editor())
    page = csrf_client.get(reverse("admin:entries_source_add"))
    token = page.context["csrf_token"]
    response = csrf_client.post(reverse("admin:entries_source_add"), {
        "csrfmiddlewaretoken": str(token), "name": "Real source", "kind": "website", "slug": "",
    })
    assert response.status_code == 302


def test_every_page_forbids_framing(client):
    issue = published_issue()
    client.force_login(editor())
    for path in ["/", "/issues/", issue.get_absolute_url(), "/admin/", reverse("admin:issues_issue_change", args=[issue.pk])]:
        assert client.get(path)["X-Frame-Options"] == "DENY", path
    client.logout()
    for path in ["/", issue.get_absolute_url(), "/admin/login/"]:
        client.get(path)
        response = client.get(path)  # the second one may come from the cache
        assert response["X-Frame-Options"] == "DENY", path
        assert response["X-Content-Type-Options"] == "nosniff"


def test_login_attempts_are_limited(client, settings):
    user = editor(username="target")
    url = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(url, {"username": "target", "password": "wrong-guess"})
        assert response.status_code == 200  # the form again, with its error
    # The last failure allowed locks the pair of name and address out.
    locked = client.post(url, {"username": "target", "password": "wrong-guess"})
    assert locked.status_code == 429
    # Locked out: even the right password does not let them in now.
    response = client.post(url, {"username": "target", "password": "pass-word-123"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Someone else from elsewhere can still sign in.
    other = Client(REMOTE_ADDR="10.9.8.7")
    editor(username="colleague")
    response = other.post(url, {"username": "colleague", "password": "pass-word-123", "next": "/admin/"})
    assert response.status_code == 302
    assert int(other.session["_auth_user_id"]) != user.pk


def test_a_successful_login_resets_the_count(client, settings):
    editor(username="forgetful")
    url = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(url, {"username": "forgetful", "password": "wrong"})
    assert client.post(url, {"username": "forgetful", "password": "pass-word-123", "next": "/admin/"}).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(url, {"username": "forgetful", "password": "wrong"}).status_code == 200
