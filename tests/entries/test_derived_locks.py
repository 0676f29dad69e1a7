"""Writers of an entry's derived rows lock its issue first: a rename and a save at once both land."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

import entries.models
from entries.models import Entry, EntryCard, EntrySearch, Tag
from issues.models import Issue, IssueBody
from tests.factories import EntryFactory
from tests.public_content import published

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_renaming_a_tag_while_an_editor_saves_an_entry_of_its_issue_deadlocks_neither(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks (set DATABASE_URL); SQLite serialises writers anyway")
    entry = EntryFactory(issue=published(entries=0), title="剪枝入门", summary="旧的摘要", tags=["旧名"])
    tag = Tag.objects.get(name="旧名")

    # The rename pauses once it has written the entry's search row (and so
    # holds its lock), long enough for the editor's save to reach that row.
    rename_wrote_search_rows = threading.Event()
    store_search_text = entries.models.store_search_text

    def store_then_pause(batch):
        stored = store_search_text(batch)
        if threading.current_thread().name == "rename":
            rename_wrote_search_rows.set()
            threading.Event().wait(1.5)
        return stored

    monkeypatch.setattr(entries.models, "store_search_text", store_then_pause)
    errors: list[BaseException] = []

    def rename() -> None:
        try:
            with transaction.atomic():
                tag.name = "新名"
                tag.save()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    def save_as_the_issue_form_does() -> None:
        try:
            rename_wrote_search_rows.wait(timeout=20)
            with transaction.atomic():
                # The issue's change form locks the issue first, then saves its entries.
                Issue.objects.select_for_update().filter(pk=entry.issue_id).exists()
                edited = Entry.objects.get(pk=entry.pk)
                edited.summary = "新的摘要"
                edited.save()
        except BaseException as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=rename, name="rename"),
        threading.Thread(target=save_as_the_issue_form_does, name="save"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    # Both changes are in what readers are served: search, the stored card and the issue's body.
    text = EntrySearch.objects.get(entry=entry).text
    assert "新名" in text and "新的摘要" in text
    card = EntryCard.objects.get(entry=entry).page_html
    assert "新名" in card and "新的摘要" in card
    body = IssueBody.objects.get(issue=entry.issue_id).page_html
    assert "新名" in body and "新的摘要" in body
