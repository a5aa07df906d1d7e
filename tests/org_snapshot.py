"""The college of the `org` fixture, built once per test run and restored in the tests after it.

`build_org` goes through the real services (grants, roles, history, the security log's chain): several hundred
queries, most of the time of a short test. So the first build of a run is recorded — the rows it inserted, table
by table — and a later test whose database is in the same state (the tables the build read and wrote, counted)
gets the same rows inserted back as they were (`raw`: no field computes a new value, so hashes and timestamps stay
as the services wrote them) and its history rows queued for sealing as simple-history's signal would have.

On PostgreSQL only (see build_once). A build is done again, and not recorded, when the clock is moved (time-machine: the rows carry the time of their
build), outside a test transaction (a transactional test commits what it builds), or when the database is not in
the recorded state (a transactional test flushed the tables, the migrations' rows came back with other keys). A
recording is used for at most RECORDING_MINUTES of the real clock: the restored rows are that much older than a
build would make them.
"""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Count, Max
from django.test.utils import CaptureQueriesContext
from time_machine import escape_hatch

from audit import history_chain

RECORDING_MINUTES = 10
TABLE = re.compile(r'(?:FROM|JOIN|INTO|UPDATE)\s+"?(\w+)"?', re.IGNORECASE)
WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


@dataclass
class Recording:
    signature: tuple  # the state of the tables the build touched, before it
    tables: list[str]  # those tables
    rows: list[tuple[type, list]]  # what it inserted, per model, in the order of its inserts
    made_at: float  # time.time(): never read while the clock is moved
    result: Callable  # rebuilds the returned object from the restored rows

    def fresh(self) -> bool:
        return time.time() - self.made_at < RECORDING_MINUTES * 60


_recording: Recording | None = None


def _models_by_table() -> dict:
    return {m._meta.db_table: m for m in apps.get_models(include_auto_created=True)}


def _signature(tables: list[str]) -> tuple:
    """Rows and the highest key of each table."""
    by_table = _models_by_table()
    return tuple(
        tuple(by_table[table]._base_manager.aggregate(n=Count("pk"), top=Max("pk")).values())
        for table in tables
    )


def _values(obj) -> tuple:
    return tuple(getattr(obj, f.attname) for f in obj._meta.concrete_fields)


def _record(build: Callable, describe: Callable) -> Recording | None:
    """Build inside a savepoint, note what it inserted, roll it back; None when it did more than insert."""
    by_table = _models_by_table()
    savepoint = transaction.savepoint()
    with CaptureQueriesContext(connection) as captured:
        built = build()
    sql = [q["sql"] for q in captured.captured_queries]
    touched = sorted({t for s in sql for t in TABLE.findall(s) if t in by_table})
    written = list(dict.fromkeys(m[1] for s in sql if (m := WRITE.match(s)) and m[1] in by_table))
    after = {t: {o.pk: o for o in by_table[t]._base_manager.all()} for t in written}
    layout = describe(built)
    transaction.savepoint_rollback(savepoint)
    rows = []
    for table in written:
        before = {o.pk: _values(o) for o in by_table[table]._base_manager.all()}
        changed = [
            pk
            for pk, values in before.items()
            if pk not in after[table] or _values(after[table][pk]) != values
        ]
        if changed:
            return None  # it changed or deleted a row that was there before: not restored by inserting
        rows.append((by_table[table], [o for pk, o in after[table].items() if pk not in before]))
    return Recording(_signature(touched), touched, rows, time.time(), layout)


def _restore(recording: Recording):
    for model, objs in recording.rows:
        if objs:
            # What loaddata does: the values as they were, no field's pre_save (auto_now) run again.
            model._base_manager._insert(objs, fields=model._meta.concrete_fields, raw=True)
            if hasattr(model, "history_id"):
                history_chain.note(model, [o.pk for o in objs])
    return recording.result()


def build_once(build: Callable, describe: Callable):
    """build() — or the rows of its recorded build restored. describe(built) returns a function that rebuilds
    the returned object from the database (by its keys)."""
    global _recording
    # PostgreSQL only for now: on SQLite the restored college lost the office's role in the form fuzzer's and the
    # access matrix's fixtures (not understood yet), so there every test builds it.
    if connection.vendor != "postgresql" or escape_hatch.is_travelling() or not connection.in_atomic_block:
        return build()
    if _recording and _recording.fresh() and _signature(_recording.tables) == _recording.signature:
        return _restore(_recording)
    _recording = _record(build, describe)
    return _restore(_recording) if _recording else build()
