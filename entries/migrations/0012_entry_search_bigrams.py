"""A GIN index of the two-character pieces of each entry's search text (PostgreSQL only).

A two-character term (量化, 芯片, AI) holds no trigram, so pg_trgm's index
cannot serve it, and searching for it read every row's text. This index holds
each text's distinct pairs of adjacent characters: a text contains a
two-character term exactly when its pairs contain it, so the index answers
such a term with no need to read the texts (entries/search.py).
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION briefing_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000
AS $$ SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}') FROM generate_series(1, char_length(t) - 1) AS i $$
"""
# COST 1000: computing the pairs of every row is far dearer than the default
# cost says; priced so, the planner looks them up in the index instead.


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS entrysearch_text_bigrams ON entries_entrysearch USING gin (briefing_bigrams(text))"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS entrysearch_text_bigrams")
    schema_editor.execute("DROP FUNCTION IF EXISTS briefing_bigrams(text)")


class Migration(migrations.Migration):

    dependencies = [
        ("entries", "0011_entry_reading_order_covering"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
