"""Trigram indexes for search, on PostgreSQL only.

GIN trigram indexes on the searched columns serve the ``LIKE`` and ``ILIKE``
that entries/search.py issues, for terms of three or more characters. pg_trgm
indexes CJK characters only where the database's LC_CTYPE classifies them as
letters: C.UTF-8 and the *.UTF-8 locales do, plain C does
not (see README, "Search"). On SQLite this migration does nothing.
"""

from django.db import migrations

INDEXES = [
    ("entry_title_trgm", "entries_entry", "title"),
    ("entry_summary_trgm", "entries_entry", "summary"),
    ("source_name_trgm", "entries_source", "name"),
    ("tag_name_trgm", "entries_tag", "name"),
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
        ("entries", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
