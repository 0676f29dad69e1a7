"""The admin edits the English edition beside the Chinese original."""

import re

import pytest

from tests.factories import EntryFactory, IssueFactory, editor

pytestmark = pytest.mark.django_db


def test_issue_page_has_english_fields_beside_the_originals(client):
    issue = IssueFactory()
    EntryFactory(issue=issue)
    client.force_login(editor())
    page = client.get(f"/admin/issues/issue/{issue.pk}/change/").content.decode()
    for name in ("title_en", "headline_en", "lead_en", "entries-0-title_en", "entries-0-summary_en", "entries-0-abstract"):
        assert f'name="{name}"' in page, name
    # Side by side: the original and its English field share one form row.
    assert re.search(r'class="form-row[^"]*field-title[^"]*field-title_en', page)


def test_issue_list_shows_how_many_entries_have_english(client):
    issue = IssueFactory(title="简报")
    EntryFactory(issue=issue, title_en="Translated", summary="摘要", summary_en="Summary")
    EntryFactory(issue=issue, title_en="Title only", summary="摘要", summary_en="")
    EntryFactory(issue=issue, title_en="")
    client.force_login(editor())
    page = client.get("/admin/issues/issue/").content.decode()
    assert "1/3" in page
