"""What staff write has sane limits, refused with a message that names the field (the hostile-input probe, finding 7)."""

import pytest

from briefing import limits
from issues import workflow
from tests.factories import EntryFactory, IssueFactory, editor
from tests.issues.conftest import form_data, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def issue():
    issue = IssueFactory(title="Limits issue")
    EntryFactory(issue=issue, title="Limits entry", summary="Short.", tags=["量化"])
    return issue


def entry_page_post(issue, **changes):
    entry = issue.entries.get()
    staff = login(editor(), language="en")
    url = f"/admin/entries/entry/{entry.pk}/change/"
    data = form_data(staff.get(url))
    data.update(changes)
    return staff.post(url, data)


def issue_page_post(issue, **changes):
    staff = login(editor(), language="en")
    url = f"/admin/issues/issue/{issue.pk}/change/"
    data = form_data(staff.get(url))
    data.update(changes)
    return staff.post(url, data)


def field_errors(response, name: str) -> str:
    assert response.status_code == 200, "the form was saved"
    return " ".join(response.context["adminform"].form.errors.get(name, []))


@pytest.mark.parametrize("field, label, limit", [
    ("summary", "Summary", limits.MARKDOWN_MAX_LENGTH),
    ("summary_en", "English summary", limits.MARKDOWN_MAX_LENGTH),
    ("abstract", "Original abstract", limits.ABSTRACT_MAX_LENGTH),
    ("title", "Title", 500),
    ("venue", "Venue", 100),
])
def test_an_oversize_entry_field_is_refused_naming_the_field(issue, field, label, limit):
    response = entry_page_post(issue, **{field: "量" * (limit + 1)})
    message = field_errors(response, field)
    assert message.startswith(f"{label} is too long") and f"{limit + 1}" in message and f"{limit}" in message
    assert issue.entries.get().title == "Limits entry"


def test_a_field_at_its_limit_is_saved(issue):
    response = entry_page_post(issue, summary="量" * limits.MARKDOWN_MAX_LENGTH)
    assert response.status_code == 302
    assert len(issue.entries.get().summary) == limits.MARKDOWN_MAX_LENGTH


@pytest.mark.parametrize("field, label, limit", [
    ("lead", "Lead", limits.MARKDOWN_MAX_LENGTH),
    ("headline", "Headline", 500),
    ("title", "Title", 200),
])
def test_an_oversize_issue_field_is_refused_naming_the_field(issue, field, label, limit):
    response = issue_page_post(issue, **{field: "x" * (limit + 1)})
    assert field_errors(response, field).startswith(f"{label} is too long")


def test_an_oversize_summary_on_the_issue_page_is_refused_on_its_entry(issue):
    response = issue_page_post(issue, **{"entries-0-summary": "x" * (limits.MARKDOWN_MAX_LENGTH + 1)})
    assert response.status_code == 200
    errors = response.context["inline_admin_formsets"][0].formset.forms[0].errors
    assert errors["summary"][0].startswith("Summary is too long")


def test_too_many_or_too_long_tags_are_refused(issue):
    long_tag = "t" * (limits.TAG_MAX_LENGTH + 1)
    message = field_errors(entry_page_post(issue, tags=f"量化, {long_tag}"), "tags")
    assert "Tags" in message and str(limits.TAG_MAX_LENGTH) in message
    many = ", ".join(f"tag{n}" for n in range(limits.MAX_TAGS + 1))
    message = field_errors(entry_page_post(issue, tags=many), "tags")
    assert "Tags" in message and str(limits.MAX_TAGS) in message
    assert list(issue.entries.get().tags.names()) == ["量化"]


def test_too_many_extra_links_are_refused(issue):
    links = "\n".join(f"link {n}: https://example.com/{n}" for n in range(limits.MAX_LINKS + 1))
    message = field_errors(entry_page_post(issue, links=links), "links")
    assert "Extra links" in message and str(limits.MAX_LINKS) in message


def test_markdown_nested_deeper_than_shown_is_refused_rather_than_cut(issue):
    deep = "\n".join("  " * depth + f"- item {depth}" for depth in range(30))
    message = field_errors(entry_page_post(issue, summary=deep), "summary")
    assert "nested" in message


def test_an_oversize_workflow_comment_is_refused(issue):
    boss = editor()
    workflow.submit_for_review(issue, boss)
    staff = login(boss, language="en")
    response = staff.post(f"/admin/issues/issue/{issue.pk}/transition/request_changes/",
                          {"comment": "x" * (limits.COMMENT_MAX_LENGTH + 1)}, follow=True)
    assert "Comment is too long" in response.content.decode()
    issue.refresh_from_db()
    assert issue.status == "review"


def test_publishing_names_an_entry_whose_summary_grew_too_long_outside_the_admin(issue):
    entry = issue.entries.get()
    entry.summary = "x" * (limits.MARKDOWN_MAX_LENGTH + 1)
    entry.save()
    boss = editor()
    workflow.submit_for_review(issue, boss)
    with pytest.raises(workflow.TransitionError) as refused:
        workflow.publish(issue, boss)
    assert "Limits entry" in str(refused.value) and "summary" in str(refused.value)


def test_the_editors_preview_refuses_oversize_text(client):
    client.force_login(editor())
    at_limit = client.post("/markdownx/markdownify/", {"content": "x" * limits.MARKDOWN_MAX_LENGTH})
    assert at_limit.status_code == 200
    over = client.post("/markdownx/markdownify/", {"content": "x" * (limits.MARKDOWN_MAX_LENGTH + 1)},
                       HTTP_ACCEPT_LANGUAGE="en")
    assert over.status_code == 400
    assert "too long to preview" in over.content.decode() and str(limits.MARKDOWN_MAX_LENGTH) in over.content.decode()
