"""Migration 0009 moves the search text into EntrySearch, and back when reversed."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor



def migrate(entries_migration: str | None = None):
    """Migrate every app to its latest migration, entries to ``entries_migration``; the models there."""
    executor = MigrationExecutor(connection)
    targets = [
        (app, entries_migration if app == "entries" and entries_migration else name)
        for app, name in executor.loader.graph.leaf_nodes()
    ]
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_search_column_becomes_search_rows_and_comes_back():
    apps = migrate("0008_entry_cards")
    Issue = apps.get_model("issues", "Issue")
    Entry = apps.get_model("entries", "Entry")
    issue = Issue.objects.create(date=datetime.date(2021, 8, 5), title="一期")
    entry = Entry.objects.create(
        issue=issue, section=40, position=3, title="RISC-V  向量扩展", title_en="Vector Extensions",
        search_text="risc-v 向量扩展\nvector extensions\n机器之心",
    )
    try:
        apps = migrate("0009_entry_search")
        row = apps.get_model("entries", "EntrySearch").objects.get(entry_id=entry.pk)
        assert (row.issue_id, row.section, row.position) == (issue.pk, 40, 3)
        assert row.titles == "risc-v 向量扩展\nvector extensions"
        assert row.text == "risc-v 向量扩展\nvector extensions\n机器之心"

        apps = migrate("0008_entry_cards")
        assert apps.get_model("entries", "Entry").objects.get(pk=entry.pk).search_text == row.text
    finally:
        migrate()
