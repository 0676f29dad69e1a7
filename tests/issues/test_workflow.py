"""The editorial workflow: who may move an issue where, and what is recorded."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone, translation

from entries.models import Entry
from issues import workflow
from issues.models import Issue
from tests.factories import EntryFactory, IssueFactory, contributor, editor, superuser

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    issue = IssueFactory()
    EntryFactory(issue=issue)
    return issue


def in_review(issue):
    return workflow.submit_for_review(issue, contributor())


def test_contributor_submits_a_draft_for_review(draft):
    workflow.submit_for_review(draft, contributor())
    draft.refresh_from_db()
    assert draft.status == Issue.Status.REVIEW


def test_submitting_needs_at_least_one_entry():
    issue = IssueFactory()
    with translation.override("en"), pytest.raises(workflow.TransitionError) as exc:
        workflow.submit_for_review(issue, contributor())
    assert "at least one entry" in str(exc.value)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT


def test_issue_gets_the_default_title_from_its_date():
    issue = IssueFactory(date=datetime.date(2021, 8, 5))
    assert issue.title == "嵌入式AI简报 (2021-08-05)"


@pytest.mark.parametrize("role", [contributor])
def test_contributor_cannot_publish_request_changes_or_unpublish(draft, role):
    user = role()
    in_review(draft)
    for action in ("publish", "request_changes"):
        with pytest.raises(PermissionDenied):
            workflow.perform(draft, action, user, comment="x")
    workflow.publish(draft, editor())
    with pytest.raises(PermissionDenied):
        workflow.unpublish(draft, user)
    draft.refresh_from_db()
    assert draft.status == Issue.Status.PUBLISHED


def test_editor_publishes_now(draft):
    in_review(draft)
    boss = editor()
    workflow.publish(draft, boss)
    draft.refresh_from_db()
    assert draft.status == Issue.Status.PUBLISHED
    assert draft.published_by == boss and draft.reviewed_by == boss
    assert Issue.objects.published().filter(pk=draft.pk).exists()


def test_editor_requests_changes_with_a_comment(draft):
    in_review(draft)
    with translation.override("en"), pytest.raises(workflow.TransitionError, match="comment"):
        workflow.request_changes(draft, editor(), "")
    workflow.request_changes(draft, editor(), "The second paper link is broken.")
    draft.refresh_from_db()
    assert draft.status == Issue.Status.DRAFT
    assert draft.transitions.first().comment == "The second paper link is broken."


def test_unpublish_takes_an_issue_out_of_public_view(draft):
    in_review(draft)
    workflow.publish(draft, editor())
    workflow.unpublish(draft, editor(), "Wrong date.")
    assert not Issue.objects.published().filter(pk=draft.pk).exists()
    assert not Entry.objects.published().filter(issue=draft).exists()


def test_a_transition_from_the_wrong_state_is_refused(draft):
    with pytest.raises(workflow.TransitionError, match="Draft|草稿"):
        workflow.publish(draft, editor())


def test_second_editor_acting_on_the_same_state_fails(draft):
    in_review(draft)
    stale_copy = Issue.objects.get(pk=draft.pk)
    workflow.publish(draft, editor())
    # The second editor still sees "in review" on their screen.
    with pytest.raises(workflow.TransitionError):
        workflow.request_changes(stale_copy, editor(), "Not yet")
    stale_copy.refresh_from_db()
    assert stale_copy.status == Issue.Status.PUBLISHED


def test_publishing_needs_every_entry_valid(draft):
    entry = EntryFactory(issue=draft, section=Entry.Section.INDUSTRY, title="No link here")
    # Saving refuses such a link; a row written before that rule may still hold one.
    Entry.objects.filter(pk=entry.pk).update(links=[{"label": "bad", "url": "javascript:alert(1)"}])
    in_review(draft)
    with pytest.raises(workflow.TransitionError) as exc:
        workflow.publish(draft, editor())
    assert "No link here" in str(exc.value)
    draft.refresh_from_db()
    assert draft.status == Issue.Status.REVIEW
    assert draft.transitions.count() == 1


def test_every_transition_is_recorded(draft):
    author, boss = contributor(), editor()
    workflow.submit_for_review(draft, author, "Please look")
    workflow.request_changes(draft, boss, "Fix the lead")
    workflow.submit_for_review(draft, author)
    workflow.publish(draft, boss)
    log = list(draft.transitions.order_by("at", "pk"))
    assert [(t.from_status, t.to_status, t.by) for t in log] == [
        ("draft", "review", author), ("review", "draft", boss), ("draft", "review", author), ("review", "published", boss),
    ]
    assert log[1].comment == "Fix the lead"


def test_superuser_may_do_everything(draft):
    root = superuser()
    workflow.submit_for_review(draft, root)
    workflow.publish(draft, root)
    workflow.unpublish(draft, root)
    draft.refresh_from_db()
    assert draft.status == Issue.Status.DRAFT


class TestScheduling:
    def test_future_publish_time_schedules_the_issue(self, draft):
        in_review(draft)
        later = timezone.now() + datetime.timedelta(days=1)
        workflow.publish(draft, editor(), publish_at=later)
        draft.refresh_from_db()
        assert draft.status == Issue.Status.SCHEDULED
        assert not Issue.objects.published().filter(pk=draft.pk).exists()

    def test_scheduled_issue_is_public_once_its_time_comes_without_the_command(self, draft):
        in_review(draft)
        later = timezone.now() + datetime.timedelta(hours=2)
        workflow.publish(draft, editor(), publish_at=later)
        assert not Issue.objects.published().filter(pk=draft.pk).exists()
        assert Issue.objects.published(now=later + datetime.timedelta(minutes=1)).filter(pk=draft.pk).exists()

    def test_publish_scheduled_command_is_idempotent(self, draft, capsys):
        in_review(draft)
        soon = timezone.now() + datetime.timedelta(seconds=1)
        workflow.publish(draft, editor(), publish_at=soon)
        Issue.objects.filter(pk=draft.pk).update(publish_at=timezone.now() - datetime.timedelta(minutes=1))
        with translation.override("en"):
            call_command("publish_scheduled")
            call_command("publish_scheduled")
        out = capsys.readouterr().out
        assert "Published 1 scheduled issue" in out and "Published 0 scheduled issue" in out
        draft.refresh_from_db()
        assert draft.status == Issue.Status.PUBLISHED
        assert draft.transitions.filter(action="publish_scheduled").count() == 1

    def test_publish_scheduled_leaves_future_issues_alone(self, draft, capsys):
        in_review(draft)
        workflow.publish(draft, editor(), publish_at=timezone.now() + datetime.timedelta(days=3))
        call_command("publish_scheduled")
        draft.refresh_from_db()
        assert draft.status == Issue.Status.SCHEDULED


def test_an_entry_without_a_link_may_be_published_in_any_section(draft):
    EntryFactory(issue=draft, section=Entry.Section.INDUSTRY, url="", title="A news item with no link")
    in_review(draft)
    workflow.publish(draft, editor())
    draft.refresh_from_db()
    assert draft.status == Issue.Status.PUBLISHED
