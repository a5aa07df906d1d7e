"""Trigram indexes for the list's search box (PostgreSQL only; SQLite, the demo, scans its few rows).

The search is `UPPER(column) LIKE UPPER('%term%')` (icontains) over number, title, summary and source URL;
pg_trgm GIN indexes on the same expressions let PostgreSQL answer it without reading every row.
pg_trgm is a trusted extension (PostgreSQL 13+), so the application's owner may create it.
"""

from django.db import migrations

INDEXES = [
    ("incident_number_trgm", "incidents_incident", "number"),
    ("incident_title_trgm", "incidents_incident", "title"),
    ("incident_summary_trgm", "incidents_incident", "summary"),
    ("source_url_trgm", "incidents_incidentsource", "url"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin (UPPER("{column}"::text) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [("incidents", "0004_list_indexes")]

    operations = [migrations.RunPython(create, drop)]
