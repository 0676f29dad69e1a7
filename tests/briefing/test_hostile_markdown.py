"""Markdown built to be slow or deep saves, renders and previews without a server error (the hostile-input probe, finding 7).

20,000 ``[`` took 55 s with the old renderer, and lists nested 300 deep raised
RecursionError (a 500 on save and in the preview). Now the renderer is
linear and bounded; forms refuse text nested deeper than it goes, or longer
than a field holds, with a message on the field; text saved by code is shown
whole. How fast it renders is measured (bench/), not timed here.
"""

import pytest

from briefing.limits import MARKDOWN_MAX_LENGTH
from entries.models import Entry
from tests.factories import EntryFactory, editor, published_issue
from tests.issues.conftest import form_data, login

pytestmark = pytest.mark.django_db

PAYLOADS = {
    "20,000 [": "[" * 19_996 + "deep",
    "5,000 [x](": "[x](" * 4_999 + "deep",
    "lists nested 300 deep on one line": "- " * 300 + "deep",
    "lists nested 300 deep by indent": "\n".join("  " * depth + "- item" for depth in range(300)) + " deep",
    "quotes nested 300 deep": "> " * 300 + "deep",
    "emphasis 10,000 deep": "*" * 10_000 + "deep" + "*" * 9_999,
    "links in links": "[" * 3_000 + "deep" + "](https://example.com)" * 700,
}


def save_summary(text: str):
    issue = published_issue(entries=0)
    entry = EntryFactory(issue=issue, title="Deep thoughts")
    staff = login(editor(), language="en")
    url = f"/admin/entries/entry/{entry.pk}/change/"
    data = form_data(staff.get(url))
    data["summary"] = text
    return entry, staff.post(url, data)


@pytest.mark.parametrize("text", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_hostile_markdown_is_saved_or_refused_on_its_field_never_a_server_error(client, text):
    entry, response = save_summary(text)
    if response.status_code == 200:
        errors = response.context["adminform"].form.errors
        assert list(errors) == ["summary"]
        assert "nested too deep" in errors["summary"][0] or "too long" in errors["summary"][0]
    else:
        assert response.status_code == 302
        entry.refresh_from_db()
        assert entry.summary_html and "deep" in entry.summary_html
        assert client.get(entry.get_absolute_url()).status_code == 200


def test_twenty_thousand_brackets_are_saved_and_shown_as_they_are(client):
    entry, response = save_summary("[" * 20_000)
    assert response.status_code == 302
    page = client.get(Entry.objects.get(pk=entry.pk).get_absolute_url()).content.decode()
    assert "[" * 20_000 in page


def test_lists_nested_300_deep_are_refused_with_a_message_on_the_field():
    _entry, response = save_summary("- " * 300 + "deep")
    assert response.status_code == 200
    assert "nested too deep" in response.context["adminform"].form.errors["summary"][0]


@pytest.mark.parametrize("text", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_hostile_markdown_previews_in_the_editor(client, text):
    client.force_login(editor())
    response = client.post("/markdownx/markdownify/", {"content": text}, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    if len(text) > MARKDOWN_MAX_LENGTH:
        assert response.status_code == 400 and "too long" in html
    else:
        assert response.status_code == 200 and "deep" in html


def test_the_preview_of_text_nested_too_deep_warns_and_shows_all_of_it(client):
    client.force_login(editor())
    html = client.post("/markdownx/markdownify/", {"content": "- " * 300 + "deep"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "nested too deep" in html and "deep</p>" in html


@pytest.mark.parametrize("text", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_hostile_markdown_saved_by_code_is_shown_whole(client, text):
    issue = published_issue(entries=0)
    entry = EntryFactory(issue=issue, summary=text, summary_en=text)
    stored = Entry.objects.get(pk=entry.pk)
    assert "deep" in stored.summary_html and "deep" in stored.summary_en_html
    assert client.get(stored.get_absolute_url()).status_code == 200


def test_a_lead_nested_300_deep_saved_by_code_is_shown_whole(client):
    issue = published_issue()
    issue.lead = "- " * 300 + "deep"
    issue.save()
    assert "deep" in issue.lead_html
    assert "deep" in client.get(issue.get_absolute_url()).content.decode()
