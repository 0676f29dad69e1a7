"""Trigram indexes for searching the English edition, on PostgreSQL only.

Like ``0002_search_index``: GIN trigram indexes on ``title_en`` and
``summary_en`` serve the ``LIKE``/``ILIKE`` of entries/search.py for terms of
three or more characters. On SQLite this migration does nothing.
"""

from django.db import migrations

INDEXES = [
    ("entry_title_en_trgm", "entries_entry", "title_en"),
    ("entry_summary_en_trgm", "entries_entry", "summary_en"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ("{column}" gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("entries", "0003_merge_english_search"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
