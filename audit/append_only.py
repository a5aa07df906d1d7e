"""django-simple-history's tables are append-only on PostgreSQL (audit/migrations/0002_history_append_only.py).

A model that gains history later has its table guarded by its own app's migration, with `guard_history(...)`;
tests/audit/test_history_append_only.py fails for a historical table left without the trigger.
"""

from django.db import migrations


def guard_history(*tables: str) -> migrations.RunPython:
    """A migration operation that puts the append-only trigger on these history tables (PostgreSQL only)."""

    def guard(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {schema_editor.quote_name(table)} "
                "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
            )

    def unguard(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table in tables:
            schema_editor.execute(
                f"DROP TRIGGER IF EXISTS {table}_append_only ON {schema_editor.quote_name(table)}"
            )

    return migrations.RunPython(guard, unguard)
