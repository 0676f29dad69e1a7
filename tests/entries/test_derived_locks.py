"""Writers of an entry's derived rows lock its issue first: a rename and a save at once both land."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction

import entries.models
from entries.models import Entry, EntryCard, EntrySearch, Tag
from issues.models import Issue, IssueBody
from tests.factories import EntryFactory
from tests.public_content import published

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks (set DATABASE_URL); SQLite serialises writers anyway")


def run_at_once(**work: Callable[[], None]) -> list[BaseException]:
    """Run each piece of ``work`` in a thread of that name, each with its own connection; what they raised."""
    errors: list[BaseException] = []

    def run(target: Callable[[], None]) -> None:
        try:
            target()
        except BaseException as error:  # noqa: BLE001 - the caller asserts there were none
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(target,), name=name) for name, target in work.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_renaming_a_tag_while_an_editor_saves_an_entry_of_its_issue_deadlocks_neither(monkeypatch):
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

    def rename() -> None:
        with transaction.atomic():
            tag.name = "新名"
            tag.save()

    def save_as_the_issue_form_does() -> None:
        rename_wrote_search_rows.wait(timeout=20)
        with transaction.atomic():
            # The issue's change form locks the issue first, then saves its entries.
            Issue.objects.filter(pk=entry.issue_id).lock()
            edited = Entry.objects.get(pk=entry.pk)
            edited.summary = "新的摘要"
            edited.save()

    assert run_at_once(rename=rename, save=save_as_the_issue_form_does) == []
    # Both changes are in what readers are served: search, the stored card and the issue's body.
    text = EntrySearch.objects.get(entry=entry).text
    assert "新名" in text and "新的摘要" in text
    card = EntryCard.objects.get(entry=entry).page_html
    assert "新名" in card and "新的摘要" in card
    body = IssueBody.objects.get(issue=entry.issue_id).page_html
    assert "新名" in body and "新的摘要" in body


def test_renaming_a_tag_while_an_editor_links_it_to_an_entry_of_a_held_issue_deadlocks_neither():
    issue = published(entries=0)
    EntryFactory(issue=issue, title="剪枝入门", tags=["旧名"])
    other = EntryFactory(issue=issue, title="蒸馏入门")
    tag = Tag.objects.get(name="旧名")
    editor_holds_the_issue = threading.Event()

    def link_the_tag_as_the_issue_form_does() -> None:
        with transaction.atomic():
            Issue.objects.filter(pk=issue.pk).lock()
            editor_holds_the_issue.set()
            # Long enough for the rename to write the tag's row, were it to go first.
            threading.Event().wait(1.5)
            Entry.objects.get(pk=other.pk).tags.add(Tag.objects.get(pk=tag.pk))

    def rename() -> None:
        editor_holds_the_issue.wait(timeout=20)
        with transaction.atomic():
            renamed = Tag.objects.get(pk=tag.pk)
            renamed.name = "新名"
            renamed.save()

    assert run_at_once(link=link_the_tag_as_the_issue_form_does, rename=rename) == []
    # Both entries are found, and shown, under the new name.
    assert set(EntrySearch.objects.filter(text__contains="新名").values_list("entry__title", flat=True)) == {
        "剪枝入门", "蒸馏入门",
    }
    assert "新名" in IssueBody.objects.get(issue=issue).page_html
