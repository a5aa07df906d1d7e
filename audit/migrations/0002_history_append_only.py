"""django-simple-history's tables are the audit trail of every record: on PostgreSQL they are append-only too.

A trigger on each historical table refuses UPDATE and DELETE. tests/audit/test_history_append_only.py fails for a
historical table without it, so a model that gains history later gets its trigger in its own migration.
"""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '审计记录只能追加，不能修改或删除 (%% on %%)', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END $$;
"""
APPS = ("departments", "incidents", "reports")


def history_tables(apps):
    return [
        model._meta.db_table
        for model in apps.get_models()
        if model._meta.app_label in APPS and model.__name__.startswith("Historical")
    ]


def guard(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for table in history_tables(apps):
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {schema_editor.quote_name(table)} "
            "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
        )


def unguard(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in history_tables(apps):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {schema_editor.quote_name(table)}")
    schema_editor.execute("DROP FUNCTION IF EXISTS audit_append_only()")


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_security_log"),
        ("departments", "0005_audit_admin"),
        ("incidents", "0009_event_related"),
        ("reports", "0001_initial"),
    ]

    operations = [migrations.RunPython(guard, unguard)]
