"""Who may do what in the admin: every role against every admin view and workflow action."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from entries.models import Tag
from issues import workflow
from issues.models import Issue
from tests.factories import EntryFactory, IssueFactory, SourceFactory, UserFactory, contributor, editor, superuser

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "staff without role", "contributor", "editor", "superuser"]
OK, READONLY, DENIED = "ok", "read-only", "denied"


def sign_in(client, role: str):
    makers = {
        "staff without role": lambda: UserFactory(username="plainstaff"),
        "contributor": lambda: contributor(username="c1"),
        "editor": lambda: editor(username="e1"),
        "superuser": lambda: superuser(username="s1"),
    }
    if role != "anonymous":
        client.force_login(makers[role]())


@pytest.fixture
def site():
    boss = editor(username="boss")
    draft = IssueFactory(title="Draft issue")
    review = IssueFactory(title="Review issue")
    public = IssueFactory(title="Public issue")
    for issue in (draft, review, public):
        EntryFactory(issue=issue, title=f"Entry of {issue.title}")
    workflow.submit_for_review(review, boss)
    workflow.submit_for_review(public, boss)
    workflow.publish(public, boss)
    source = SourceFactory(name="Some source")
    tag = Tag.objects.create(name="量化", slug="liang-hua")
    return {
        "draft": draft, "review": review, "public": public,
        "draft_entry": draft.entries.get(), "review_entry": review.entries.get(), "public_entry": public.entries.get(),
        "source": source, "tag": tag, "user": boss, "group": boss.groups.get(),
    }


# (url name, object key or None, {role: expected}) for every admin view.
# Roles not named are DENIED; the anonymous are always sent to the login page.
STAFF_ALL = {"contributor": OK, "editor": OK, "superuser": OK}
VIEWS = [
    ("admin:index", None, {"staff without role": OK, **STAFF_ALL}),
    ("admin:issues_issue_changelist", None, STAFF_ALL),
    ("admin:issues_issue_add", None, STAFF_ALL),
    ("admin:issues_issue_change", "draft", STAFF_ALL),
    ("admin:issues_issue_change", "review", {"contributor": READONLY, "editor": OK, "superuser": OK}),
    ("admin:issues_issue_change", "public", {"contributor": READONLY, "editor": OK, "superuser": OK}),
    ("admin:issues_issue_delete", "draft", {"editor": OK, "superuser": OK}),
    ("admin:issues_issue_delete", "public", {"editor": OK, "superuser": OK}),
    ("admin:issues_issue_history", "draft", STAFF_ALL),
    ("admin:issues_issue_history", "public", STAFF_ALL),
    ("admin:issues_issueforreview_changelist", None, {"editor": OK, "superuser": OK}),
    ("admin:entries_entry_changelist", None, STAFF_ALL),
    ("admin:entries_entry_add", None, STAFF_ALL),
    ("admin:entries_entry_change", "draft_entry", STAFF_ALL),
    ("admin:entries_entry_change", "review_entry", {"contributor": READONLY, "editor": OK, "superuser": OK}),
    ("admin:entries_entry_change", "public_entry", {"contributor": READONLY, "editor": OK, "superuser": OK}),
    ("admin:entries_entry_delete", "draft_entry", STAFF_ALL),
    ("admin:entries_entry_delete", "public_entry", {"editor": OK, "superuser": OK}),
    ("admin:entries_entry_history", "public_entry", STAFF_ALL),
    ("admin:entries_source_changelist", None, STAFF_ALL),
    ("admin:entries_source_add", None, STAFF_ALL),
    ("admin:entries_source_change", "source", STAFF_ALL),
    ("admin:entries_source_delete", "source", {"editor": OK, "superuser": OK}),
    ("admin:entries_source_history", "source", STAFF_ALL),
    ("admin:entries_tag_changelist", None, STAFF_ALL),
    ("admin:entries_tag_add", None, STAFF_ALL),
    ("admin:entries_tag_change", "tag", STAFF_ALL),
    ("admin:entries_tag_delete", "tag", {"editor": OK, "superuser": OK}),
    ("admin:entries_tag_history", "tag", STAFF_ALL),
    ("admin:auth_user_changelist", None, {"superuser": OK}),
    ("admin:auth_user_add", None, {"superuser": OK}),
    ("admin:auth_user_change", "user", {"superuser": OK}),
    ("admin:auth_user_delete", "user", {"superuser": OK}),
    ("admin:auth_user_history", "user", {"superuser": OK}),
    ("admin:auth_group_changelist", None, {"superuser": OK}),
    ("admin:auth_group_change", "group", {"superuser": OK}),
    ("admin:axes_accessattempt_changelist", None, {"superuser": OK}),
    ("admin:axes_accesslog_changelist", None, {"superuser": OK}),
]


def outcome(response, is_change_page: bool) -> str:
    if response.status_code == 302 and "/admin/login/" in response["Location"]:
        return "login"
    if response.status_code == 403:
        return DENIED
    assert response.status_code == 200, response.status_code
    # A change page shown without its Save button is the admin's read-only view.
    if is_change_page and b'name="_save"' not in response.content:
        return READONLY
    return OK


@pytest.mark.parametrize("role", ROLES)
def test_admin_views_are_open_exactly_to_the_intended_roles(client, site, role):
    sign_in(client, role)
    wrong = []
    for name, key, allowed in VIEWS:
        args = [site[key].pk] if key else []
        url = reverse(name, args=args)
        expected = "login" if role == "anonymous" else allowed.get(role, DENIED)
        got = outcome(client.get(url), name.endswith("_change"))
        if got != expected:
            wrong.append(f"{url}: expected {expected}, got {got}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


@pytest.mark.parametrize("role", ["contributor"])
def test_read_only_pages_refuse_a_save(client, site, role):
    sign_in(client, role)
    for key in ("review", "public"):
        url = reverse("admin:issues_issue_change", args=[site[key].pk])
        response = client.post(url, {"date": "2030-01-01", "title": "Hijacked", "_save": "Save"})
        assert response.status_code == 403
    url = reverse("admin:entries_entry_change", args=[site["public_entry"].pk])
    assert client.post(url, {"title": "Hijacked", "_save": "Save"}).status_code == 403
    assert not Issue.objects.filter(title="Hijacked").exists()
    assert client.post(reverse("admin:issues_issue_delete", args=[site["draft"].pk]), {"post": "yes"}).status_code == 403
    assert Issue.objects.filter(pk=site["draft"].pk).exists()


# (action, starting state, extra POST data, {role: state afterwards}); anyone not
# named leaves the issue where it was.
SOON = (timezone.localtime() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
ACTIONS = [
    ("submit_for_review", "draft", {}, {"contributor": "review", "editor": "review", "superuser": "review"}),
    ("request_changes", "review", {"comment": "Fix the summary"}, {"editor": "draft", "superuser": "draft"}),
    ("publish", "review", {}, {"editor": "published", "superuser": "published"}),
    ("publish", "review", {"publish_at": SOON}, {"editor": "scheduled", "superuser": "scheduled"}),
    ("unpublish", "public", {}, {"editor": "draft", "superuser": "draft"}),
    ("publish", "draft", {}, {}),  # never straight from a draft
    ("request_changes", "review", {}, {}),  # a comment is required
    ("submit_for_review", "public", {}, {}),
    ("no_such_action", "draft", {}, {}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action,start,data,allowed", ACTIONS, ids=[f"{a[0]}-from-{a[1]}-{i}" for i, a in enumerate(ACTIONS)])
def test_workflow_actions_are_allowed_exactly_to_the_intended_roles(client, site, role, action, start, data, allowed):
    issue = site[start]
    before = issue.status
    sign_in(client, role)
    url = reverse("admin:issues_issue_transition", args=[issue.pk, action])
    response = client.post(url, data)
    issue.refresh_from_db()
    expected = allowed.get(role, before)
    assert issue.status == expected
    if role == "anonymous":
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    elif role == "staff without role" or (expected == before and role == "contributor" and action != "submit_for_review"):
        assert response.status_code in (302, 403)
    if expected != before:
        assert issue.transitions.filter(action=action).exists()
    assert client.get(url).status_code in (302, 405)  # never on a GET


@pytest.mark.parametrize("role", ROLES)
def test_bulk_submit_action_follows_the_same_rules(client, site, role):
    sign_in(client, role)
    draft = site["draft"]
    client.post(reverse("admin:issues_issue_changelist"), {
        "action": "submit_selected_for_review", "_selected_action": [draft.pk], "index": 0,
    })
    draft.refresh_from_db()
    expected = "draft" if role in ("anonymous", "staff without role") else "review"
    assert draft.status == expected


def test_only_superusers_may_make_users(client, site):
    sign_in(client, "editor")
    response = client.post(reverse("admin:auth_user_add"), {
        "username": "intruder", "password1": "x-Very-long-pass-1", "password2": "x-Very-long-pass-1",
    })
    assert response.status_code == 403
    assert not get_user_model().objects.filter(username="intruder").exists()
