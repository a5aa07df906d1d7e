"""Bigram indexes for the list's search box (PostgreSQL only; SQLite, the demo, scans its few rows).

A Chinese search is often two characters, which pg_trgm cannot index (it needs three). Each searchable text
is indexed by the set of its two-character pieces (upper-cased) in a GIN index; a search asks for the rows
whose pieces contain all the pieces of the term, then checks `icontains` on those few rows only.
"""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION os_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(DISTINCT substr(u, i, 2)), '{}')
  FROM (SELECT upper(t) AS u) s, generate_series(1, char_length(u) - 1) AS i
$$;
CREATE OR REPLACE FUNCTION os_incident_bigrams(n text, ti text, su text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT os_bigrams(coalesce(n, '') || chr(10) || coalesce(ti, '') || chr(10) || coalesce(su, ''))
$$;
"""
INDEXES = """
CREATE INDEX IF NOT EXISTS incident_search_bigrams ON incidents_incident
  USING gin (os_incident_bigrams(number, title, summary));
CREATE INDEX IF NOT EXISTS source_url_bigrams ON incidents_incidentsource USING gin (os_bigrams(url));
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTIONS)
        schema_editor.execute(INDEXES)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS incident_search_bigrams; DROP INDEX IF EXISTS source_url_bigrams;")
        schema_editor.execute("DROP FUNCTION IF EXISTS os_incident_bigrams(text, text, text); DROP FUNCTION IF EXISTS os_bigrams(text);")


class Migration(migrations.Migration):
    dependencies = [("incidents", "0004_list_indexes")]

    operations = [migrations.RunPython(create, drop)]
