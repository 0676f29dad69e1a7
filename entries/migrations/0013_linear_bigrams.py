"""briefing_bigrams() in linear time (PostgreSQL only).

``substr(t, i, 2)`` walks a multibyte text from its start on every call, so
the old body took time quadratic in the text's length: one 100,000-character
summary took 30 s to save or to match. Splitting the text into its
characters once and pairing each with the next is linear.
"""

from django.db import migrations

LINEAR = """
CREATE OR REPLACE FUNCTION briefing_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000
AS $$
  SELECT coalesce(array_agg(DISTINCT c || n) FILTER (WHERE n IS NOT NULL), '{}')
  FROM unnest(string_to_array(t, NULL), (string_to_array(t, NULL))[2:]) AS pair(c, n)
$$
"""

QUADRATIC = """
CREATE OR REPLACE FUNCTION briefing_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 1000
AS $$ SELECT coalesce(array_agg(DISTINCT substr(t, i, 2)), '{}') FROM generate_series(1, char_length(t) - 1) AS i $$
"""


def replace(body):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(body)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ("entries", "0012_entry_search_bigrams"),
    ]

    operations = [
        migrations.RunPython(replace(LINEAR), replace(QUADRATIC), elidable=False),
    ]
