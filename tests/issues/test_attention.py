"""An entry the importer could not read whole needs an editor's attention before its issue is published."""

from __future__ import annotations

import pytest
from django.utils import translation

from issues import workflow
from issues.workflow import TransitionError
from tests.factories import EntryFactory, IssueFactory, editor, superuser

pytestmark = pytest.mark.django_db


def test_an_issue_with_an_entry_needing_attention_cannot_be_published():
    issue = IssueFactory()
    entry = EntryFactory(issue=issue, needs_attention=True, attention_note="the link has no address")
    workflow.submit_for_review(issue, editor())
    with translation.override("en"), pytest.raises(TransitionError) as refused:
        workflow.publish(issue, editor(username="chief"))
    assert "needs attention (the link has no address)" in str(refused.value)

    entry.needs_attention = False
    entry.save()
    workflow.publish(issue, editor(username="chief"))
    issue.refresh_from_db()
    assert issue.status == issue.Status.PUBLISHED


def test_the_entry_list_filters_and_shows_entries_needing_attention(client):
    flagged = EntryFactory(title="需要检查的条目", needs_attention=True)
    EntryFactory(title="好好的条目")
    client.force_login(superuser())
    page = client.get("/admin/entries/entry/?needs_attention__exact=1").content.decode()
    assert flagged.title in page and "好好的条目" not in page
    form = client.get(f"/admin/entries/entry/{flagged.pk}/change/").content.decode()
    assert 'name="needs_attention"' in form


def test_the_issue_editor_opens_an_entry_needing_attention_and_says_where_to_clear_it(client):
    issue = IssueFactory()
    flagged = EntryFactory(issue=issue, title="读不全的条目", needs_attention=True, attention_note="the link has no address")
    EntryFactory(issue=issue, title="**加粗**的好条目")
    client.force_login(editor())
    page = client.get(f"/admin/issues/issue/{issue.pk}/change/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    start = page.rindex("<li", 0, page.index('id="entries-0-row"'))
    row = page[start:page.rindex("<li", 0, page.index('id="entries-1-row"'))]
    assert "is-open" in row and "desk-mark-attention" in row
    assert "Needs attention (the link has no address)" in row
    assert f'href="/admin/entries/entry/{flagged.pk}/change/">Check it and clear “needs attention” on its own page</a>' in row
    # Row titles read as the page shows them, without their Markdown.
    assert '<span class="desk-title">加粗的好条目</span>' in page
