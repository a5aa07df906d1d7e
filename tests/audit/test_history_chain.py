"""The history of every record is hash-chained (等保2.0): each row simple-history writes is sealed after it commits,
and `verify_audit` names the first history row that was edited, deleted or re-ordered — on SQLite, where no
trigger stops it, and on PostgreSQL behind the triggers' back."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit import history_chain
from audit.models import HistoryChainHead, HistorySeal, SecurityEvent
from incidents import engine
from incidents.models import Deadline, Incident
from tests.factories import assessed, ended, report

Historical = Incident.history.model
TABLE = Historical._meta.db_table
ON_POSTGRESQL = pytest.mark.postgresql_only(reason="the append-only triggers exist on PostgreSQL only")


def tamper(table: str, sql: str, params=()) -> None:
    """What someone with the database's own rights might do behind the application's back."""
    with connection.cursor() as cursor:
        # (Replica mode skips the append-only triggers; ALTER TABLE cannot, with the FKs' deferred checks pending.)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")
        cursor.execute(sql.format(table=table), params)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = origin")


def sealed(table: str, history_id: int) -> bool:
    return HistorySeal.objects.filter(table=table, history_id=history_id).exists()


def test_history_written_by_a_service_is_sealed_when_it_commits(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = assessed(org)
    rows = list(incident.history.order_by("history_id"))
    assert len(rows) >= 2 and all(sealed(TABLE, r.history_id) for r in rows)
    assert history_chain.verify().ok


def test_a_rolled_back_transaction_leaves_no_stale_batch(org, django_capture_on_commit_callbacks):
    incident = report(org)
    with pytest.raises(RuntimeError), transaction.atomic():
        incident.title = "改了又撤回"
        incident.save()
        raise RuntimeError
    with django_capture_on_commit_callbacks(execute=True):
        incident.refresh_from_db()
        incident.title = "真正保存的标题"
        incident.save()
    latest = incident.history.latest("history_id")
    assert latest.title == "真正保存的标题" and sealed(TABLE, latest.history_id)


def test_the_sweeps_bulk_history_is_sealed(org, django_capture_on_commit_callbacks):
    incident = ended(org)
    moment = timezone.now() - dt.timedelta(hours=1)
    filing = Deadline.objects.filter(incident=incident, state=Deadline.State.OPEN, kind=Deadline.Kind.FILING)
    filing.update(due_at=moment, next_notice_at=moment)
    deadline = filing.get()
    with django_capture_on_commit_callbacks(execute=True):
        assert engine.sweep().processed >= 1
    swept = Deadline.history.filter(id=deadline.pk, history_change_reason="系统定时检查")
    assert swept and all(sealed(Deadline.history.model._meta.db_table, r.history_id) for r in swept)


@pytest.fixture
def chain(org):
    """An incident with several history rows, all sealed."""
    incident = assessed(org)
    for n in range(3):
        incident.title = f"标题第 {n} 稿"
        incident.save()
    history_chain.seal_leftovers()
    assert history_chain.verify().ok
    return list(incident.history.order_by("history_id"))


def test_an_edited_history_row_is_named(chain):
    victim = chain[1]
    tamper(
        TABLE,
        "UPDATE {table} SET responsible_department_id = NULL, title = 'x' WHERE history_id = %s",
        [victim.history_id],
    )
    verdict = history_chain.verify()
    assert not verdict.ok and f"#{victim.history_id}" in verdict.message and "改动" in verdict.message


def test_a_deleted_history_row_is_named(chain):
    victim = chain[2]
    tamper(TABLE, "DELETE FROM {table} WHERE history_id = %s", [victim.history_id])
    verdict = history_chain.verify()
    assert not verdict.ok and f"#{victim.history_id}" in verdict.message and "删除" in verdict.message


def test_two_history_rows_swapped_in_time_are_named(chain):
    a, b = chain[0], chain[-1]
    assert a.history_date != b.history_date
    tamper(
        TABLE, "UPDATE {table} SET history_date = %s WHERE history_id = %s", [b.history_date, a.history_id]
    )
    tamper(
        TABLE, "UPDATE {table} SET history_date = %s WHERE history_id = %s", [a.history_date, b.history_id]
    )
    verdict = history_chain.verify()
    assert not verdict.ok and f"#{a.history_id}" in verdict.message


def test_a_deleted_seal_and_a_deleted_tail_are_named(chain):
    seals = list(HistorySeal.objects.order_by("seq"))
    tamper("audit_historyseal", "DELETE FROM {table} WHERE seq = %s", [seals[-1].seq])
    verdict = history_chain.verify()
    assert not verdict.ok and "末尾" in verdict.message
    tamper("audit_historyseal", "DELETE FROM {table} WHERE seq = %s", [seals[1].seq])
    verdict = history_chain.verify()
    assert not verdict.ok and verdict.first_bad_seq == seals[1].seq and "缺少" in verdict.message


def test_a_chain_rewritten_from_scratch_is_caught_by_the_last_verification(chain):
    call_command("verify_audit", stdout=io.StringIO())
    # Someone edits a row, throws the seals away and seals everything anew: the chain is consistent again,
    # but the security log remembers where it ended and with what hash.
    tamper(TABLE, "UPDATE {table} SET title = 'x' WHERE history_id = %s", [chain[0].history_id])
    tamper("audit_historyseal", "DELETE FROM {table}")
    HistoryChainHead.objects.all().delete()
    with pytest.raises(CommandError, match=r"重写|截断"):
        call_command("verify_audit", stdout=io.StringIO())


def test_verify_audit_seals_leftovers_counts_them_and_records_the_end(org):
    report(org)  # written inside the test transaction: never committed, so never sealed on commit
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "补入链" in out.getvalue() and "历史记录链完整" in out.getvalue()
    event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.VERIFY).latest("seq")
    head = HistoryChainHead.objects.get()
    assert event.target == f"历史记录链 #{head.last_seq} {head.last_hash}"
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "补入链" not in out.getvalue()


def test_verify_audit_fails_loudly_naming_the_history_row(chain):
    tamper(TABLE, "UPDATE {table} SET title = 'x' WHERE history_id = %s", [chain[-1].history_id])
    with pytest.raises(CommandError, match=f"#{chain[-1].history_id}"):
        call_command("verify_audit", stdout=io.StringIO())
    event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.VERIFY).latest("seq")
    assert event.result == SecurityEvent.Result.FAILURE and event.target == ""


@ON_POSTGRESQL
@pytest.mark.parametrize("sql", ["UPDATE audit_historyseal SET history_id = history_id + 1 WHERE seq = %s",
                                 "DELETE FROM audit_historyseal WHERE seq = %s"])  # fmt: skip
def test_the_database_refuses_to_change_a_seal(chain, sql):
    seq = HistorySeal.objects.order_by("seq").first().seq
    with pytest.raises(DatabaseError, match="只能追加"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [seq])
    assert history_chain.verify().ok


def test_every_history_table_is_chained(db):
    tables = {m._meta.db_table for m in history_chain.history_models()}
    assert TABLE in tables and "departments_historicaldepartment" in tables and len(tables) >= 15
