"""One search column per entry, filled for existing entries, with one trigram index.

``Entry.search_text`` holds an entry's titles, summaries, source name and tag
names, lower-cased (see entries/search.py), so that each search term is one
``LIKE`` on one column. This migration fills it for the entries there are.

On PostgreSQL it replaces the six pg_trgm GIN indexes of ``0002_search_index``
and ``0004_english_search_index``, which served search only, with one on
``search_text``; reversing the migration puts them back.
"""

from django.db import migrations, models

OLD_INDEXES = [
    ("entry_title_trgm", "entries_entry", "title"),
    ("entry_summary_trgm", "entries_entry", "summary"),
    ("source_name_trgm", "entries_source", "name"),
    ("tag_name_trgm", "entries_tag", "name"),
    ("entry_title_en_trgm", "entries_entry", "title_en"),
    ("entry_summary_en_trgm", "entries_entry", "summary_en"),
]
NEW_INDEX = ("entry_search_text_trgm", "entries_entry", "search_text")
BATCH_SIZE = 1000


def search_text_of(parts) -> str:
    # A copy of entries.models.search_text_of as it is now: a migration must not change with the code.
    return "\n".join(" ".join(part.lower().split()) for part in parts if part and not part.isspace())


def fill_search_text(apps, schema_editor):
    Entry = apps.get_model("entries", "Entry")
    TaggedEntry = apps.get_model("entries", "TaggedEntry")
    db = schema_editor.connection.alias
    last_pk = 0
    while True:
        rows = list(
            Entry.objects.using(db).filter(pk__gt=last_pk).order_by("pk")
            .values_list("pk", "title", "title_en", "summary", "summary_en", "source__name")[:BATCH_SIZE]
        )
        if not rows:
            break
        last_pk = rows[-1][0]
        tags: dict[int, list[str]] = {}
        for entry_id, name in (
            TaggedEntry.objects.using(db).filter(content_object_id__in=[row[0] for row in rows])
            .values_list("content_object_id", "tag__name")
        ):
            tags.setdefault(entry_id, []).append(name)
        # Tag names sorted in Python, as Entry.build_search_text() sorts them, whatever the collation.
        Entry.objects.using(db).bulk_update(
            [Entry(pk=pk, search_text=search_text_of([*texts, *sorted(tags.get(pk, []))])) for pk, *texts in rows],
            ["search_text"],
        )


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    name, table, column = NEW_INDEX
    schema_editor.execute(f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ("{column}" gin_trgm_ops)')
    for name, _table, _column in OLD_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in OLD_INDEXES:
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ("{column}" gin_trgm_ops)')
    schema_editor.execute(f"DROP INDEX IF EXISTS {NEW_INDEX[0]}")


class Migration(migrations.Migration):

    dependencies = [
        ("entries", "0006_merge_english_search_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
