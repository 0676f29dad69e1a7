"""Search indexes on ``Entry.search_text`` (PostgreSQL only; SQLite searches with INSTR()).

- pg_trgm's GIN index serves a ``LIKE '%term%'`` for a term of three or more characters.
- A term of two characters (量化, 芯片, AI) holds no trigram. A second GIN index
  holds each text's distinct pairs of adjacent characters (``briefing_bigrams()``):
  a text contains such a term exactly when its pairs do. The function is
  linear in the text's length (each character paired with the next, once).
See docs/search.md.
"""

from django.db import migrations

BIGRAMS = """
CREATE OR REPLACE FUNCTION briefing_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000
AS $$
  SELECT coalesce(array_agg(DISTINCT c || n) FILTER (WHERE n IS NOT NULL), '{}')
  FROM unnest(string_to_array(t, NULL), (string_to_array(t, NULL))[2:]) AS pair(c, n)
$$
"""
# COST 1000: computing the pairs of every row is far dearer than the default
# cost says; priced so, the planner looks them up in the index instead.

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    BIGRAMS,
    "CREATE INDEX IF NOT EXISTS entry_search_text_trgm ON entries_entry USING gin (search_text gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS entry_search_text_bigrams ON entries_entry USING gin (briefing_bigrams(search_text))",
]
DROP = [
    "DROP INDEX IF EXISTS entry_search_text_bigrams",
    "DROP INDEX IF EXISTS entry_search_text_trgm",
    "DROP FUNCTION IF EXISTS briefing_bigrams(text)",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)
    return apply


class Migration(migrations.Migration):

    dependencies = [
        ("entries", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(run(CREATE), run(DROP), elidable=False),
    ]
