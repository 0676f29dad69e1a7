"""Search rows in a narrow table of their own, ``EntrySearch``, instead of ``Entry.search_text``.

A term too short for the trigram index (量化) is matched by reading every
published entry's search text. At the end of ``entries_entry``'s wide rows
that column cost PostgreSQL most of the scan in stepping over the columns in
front of it; a table holding only what search needs (ordering keys, titles,
search text) is three times cheaper to scan. This migration creates it, fills
it from the search column (already up to date) and the entries, moves the
pg_trgm GIN index to it on PostgreSQL, and drops the column. Reversing puts
the column, its contents and its index back.
"""

import django.db.models.deletion
from django.db import migrations, models

BATCH_SIZE = 1000
OLD_INDEX = ("entry_search_text_trgm", "entries_entry", "search_text")
NEW_INDEX = ("entrysearch_text_trgm", "entries_entrysearch", "text")


def search_text_of(parts) -> str:
    # A copy of entries.models.search_text_of as it is now: a migration must not change with the code.
    return "\n".join(" ".join(part.lower().split()) for part in parts if part and not part.isspace())


def fill(apps, schema_editor):
    Entry = apps.get_model("entries", "Entry")
    EntrySearch = apps.get_model("entries", "EntrySearch")
    db = schema_editor.connection.alias
    last_pk = 0
    while True:
        rows = list(
            Entry.objects.using(db).filter(pk__gt=last_pk).order_by("pk")
            .values_list("pk", "issue_id", "section", "position", "title", "title_en", "search_text")[:BATCH_SIZE]
        )
        if not rows:
            break
        last_pk = rows[-1][0]
        EntrySearch.objects.using(db).bulk_create([
            EntrySearch(
                entry_id=pk, issue_id=issue_id, section=section, position=position,
                titles=search_text_of([title, title_en]), text=text,
            )
            for pk, issue_id, section, position, title, title_en, text in rows
        ])


def unfill(apps, schema_editor):
    Entry = apps.get_model("entries", "Entry")
    EntrySearch = apps.get_model("entries", "EntrySearch")
    db = schema_editor.connection.alias
    last_pk = 0
    while True:
        rows = list(
            EntrySearch.objects.using(db).filter(pk__gt=last_pk).order_by("pk")
            .values_list("entry_id", "text")[:BATCH_SIZE]
        )
        if not rows:
            break
        last_pk = rows[-1][0]
        Entry.objects.using(db).bulk_update([Entry(pk=pk, search_text=text) for pk, text in rows], ["search_text"])


def _create(schema_editor, index) -> None:
    name, table, column = index
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ("{column}" gin_trgm_ops)')


def move_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _create(schema_editor, NEW_INDEX)
    schema_editor.execute(f"DROP INDEX IF EXISTS {OLD_INDEX[0]}")


def move_index_back(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    _create(schema_editor, OLD_INDEX)
    schema_editor.execute(f"DROP INDEX IF EXISTS {NEW_INDEX[0]}")


class Migration(migrations.Migration):

    dependencies = [
        ("entries", "0008_entry_cards"),
        ("issues", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="EntrySearch",
            fields=[
                ("entry", models.OneToOneField(
                    on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name="search",
                    serialize=False, to="entries.entry",
                )),
                ("issue", models.ForeignKey(
                    on_delete=django.db.models.deletion.CASCADE, related_name="+", to="issues.issue",
                )),
                ("section", models.PositiveSmallIntegerField()),
                ("position", models.PositiveIntegerField()),
                ("titles", models.TextField()),
                ("text", models.TextField()),
            ],
            options={
                "verbose_name": "entry search text",
                "verbose_name_plural": "entry search texts",
            },
        ),
        migrations.RunPython(fill, unfill, elidable=False),
        migrations.RunPython(move_index, move_index_back, elidable=False),
        migrations.RemoveField(model_name="entry", name="search_text"),
    ]
