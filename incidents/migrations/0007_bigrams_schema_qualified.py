"""Name the schema of `os_bigrams` inside `os_incident_bigrams` (PostgreSQL only; a no-op on SQLite).

0005 wrote `os_incident_bigrams` to call `os_bigrams` by its bare name. `pg_restore` runs with an empty
search_path, so rebuilding the index `incident_search_bigrams` from a dump failed ("function os_bigrams(text)
does not exist"). The function now calls `<schema>.os_bigrams`, the schema being the one this migration runs in
(`current_schema()`, quoted). The body is otherwise the same, so the index and the search give the same rows.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION {schema}.os_incident_bigrams(n text, ti text, su text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT {call}(coalesce(n, '') || chr(10) || coalesce(ti, '') || chr(10) || coalesce(su, ''))
$$;
"""


def _schema(schema_editor) -> str:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT quote_ident(current_schema())")
        return cursor.fetchone()[0]


def qualify(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema = _schema(schema_editor)
        schema_editor.execute(FUNCTION.format(schema=schema, call=f"{schema}.os_bigrams"))


def unqualify(apps, schema_editor):
    """Put back 0005's body, which finds `os_bigrams` through the search_path."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION.format(schema=_schema(schema_editor), call="os_bigrams"))


class Migration(migrations.Migration):
    dependencies = [("incidents", "0006_alter_incidentevent_kind_historicalreviewmeeting_and_more")]

    operations = [migrations.RunPython(qualify, unqualify)]
