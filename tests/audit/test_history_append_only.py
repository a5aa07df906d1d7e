"""The history of every record (django-simple-history) cannot be rewritten in the database either."""

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction

from tests.factories import archived

pytestmark = pytest.mark.postgresql_only(reason="the append-only triggers exist on PostgreSQL only")


def history_tables() -> list[str]:
    return [m._meta.db_table for m in apps.get_models() if m.__name__.startswith("Historical")]


def test_every_history_table_has_its_trigger(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                       "WHERE t.tgname LIKE %s AND NOT t.tgisinternal", ["%_append_only"])  # fmt: skip
        guarded = {row[0] for row in cursor.fetchall()}
    assert history_tables() and set(history_tables()) <= guarded, set(history_tables()) - guarded


@pytest.mark.parametrize("sql", ["UPDATE {table} SET status = 'reported' WHERE history_id = %s",
                                 "UPDATE {table} SET history_date = history_date - interval '1 day' WHERE history_id = %s",
                                 "UPDATE {table} SET history_id = history_id + 100000 WHERE history_id = %s",
                                 "DELETE FROM {table} WHERE history_id = %s"])  # fmt: skip
def test_an_incidents_history_row_cannot_be_changed_or_deleted(org, sql):
    incident = archived(org)
    row = incident.history.order_by("history_id").first()
    table = incident.history.model._meta.db_table
    with pytest.raises(DatabaseError, match="只能追加"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql.format(table=table), [row.history_id])
    assert incident.history.get(history_id=row.history_id).status == row.status
