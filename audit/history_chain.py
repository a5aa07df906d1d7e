"""The history chain: every row django-simple-history writes is sealed into one hash chain after it commits.

Sealing happens after the writer's commit, in its own short transaction under the chain head's lock, so a
service that writes history never holds that lock together with its own row locks (two such writers would
otherwise deadlock). Rows written by simple-history's signals are sealed when their transaction commits; rows
written in bulk (the deadline sweep) are noted by their writer; anything left over — a sealing that failed, rows
from before the chain existed — is sealed by `manage.py verify_audit` before it verifies, and counted in its
verdict. The security log's own verification event records where this chain ended, so truncating the chain and
sealing it anew is detected too.
"""

import datetime as dt
import decimal
import hashlib
import json
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.dispatch import receiver
from django.utils import timezone
from simple_history.signals import post_create_historical_record

from .models import HistoryChainHead, HistoryLayout, HistorySeal

log = logging.getLogger(__name__)

GENESIS = "0" * 64
BATCH = 1000


def history_models() -> list[type[models.Model]]:
    """Every history table of the project, in a fixed order."""
    found = [m for m in apps.get_models() if hasattr(m, "instance_type") and hasattr(m, "history_id")]
    return sorted(found, key=lambda m: m._meta.db_table)


@cache
def _by_table() -> dict[str, type[models.Model]]:
    return {m._meta.db_table: m for m in history_models()}


def layout_of(model) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def layout_digest(table: str, fields: list[str]) -> str:
    return hashlib.sha256(f"{table}:{','.join(fields)}".encode()).hexdigest()[:16]


def _plain(value):
    # One spelling per value on both databases: datetimes in UTC with microseconds, decimals as written.
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = value.astimezone(dt.UTC)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def seal_hash(seal: HistorySeal, values: list) -> str:
    body = json.dumps([_plain(v) for v in values], ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    content = "\x1f".join(
        (str(seal.seq), seal.table, str(seal.history_id), seal.layout, body, seal.prev_hash)
    )
    return hashlib.sha256(content.encode()).hexdigest()


def _rows(model, fields: list[str], ids) -> dict[int, list]:
    """The stored values of these history rows, by id, in layout order."""
    found, key, ids = {}, fields.index("history_id"), list(ids)
    for start in range(0, len(ids), BATCH):
        for row in model._base_manager.filter(history_id__in=ids[start : start + BATCH]).values_list(*fields):
            found[row[key]] = list(row)
    return found


def _locked_head() -> HistoryChainHead:
    HistoryChainHead.objects.bulk_create([HistoryChainHead(pk=1, last_hash=GENESIS)], ignore_conflicts=True)
    return HistoryChainHead.objects.select_for_update().get(pk=1)


def _layout(model) -> str:
    table, fields = model._meta.db_table, layout_of(model)
    digest = layout_digest(table, fields)
    HistoryLayout.objects.bulk_create(
        [HistoryLayout(digest=digest, table=table, fields=fields)], ignore_conflicts=True
    )
    return digest


def seal(pending: dict[type[models.Model], set[int]]) -> int:
    """Seal these history rows (those that exist and are not sealed yet), in one transaction. Returns how many."""
    pending = {m: ids for m, ids in pending.items() if ids}
    if not pending:
        return 0
    with transaction.atomic():
        head = _locked_head()
        seq, prev, now, seals = head.last_seq, head.last_hash, timezone.now(), []
        for model in sorted(pending, key=lambda m: m._meta.db_table):
            table = model._meta.db_table
            done = set(
                HistorySeal.objects.filter(table=table, history_id__in=pending[model]).values_list(
                    "history_id", flat=True
                )
            )
            fields, digest = layout_of(model), _layout(model)
            rows = _rows(model, fields, set(pending[model]) - done)
            for history_id in sorted(rows):
                seq += 1
                item = HistorySeal(seq=seq, table=table, history_id=history_id, layout=digest, sealed_at=now,
                                   prev_hash=prev)  # fmt: skip
                item.row_hash = prev = seal_hash(item, rows[history_id])
                seals.append(item)
        if seals:
            HistorySeal.objects.bulk_create(seals, batch_size=500)
            HistoryChainHead.objects.filter(pk=head.pk).update(last_seq=seq, last_hash=prev)
    return len(seals)


def seal_leftovers() -> int:
    """Seal every history row that has no seal yet, a batch per transaction (the head is never held long)."""
    total = 0
    for model in history_models():
        table = model._meta.db_table
        unsealed = (
            model._base_manager.filter(
                ~models.Exists(
                    HistorySeal.objects.filter(table=table, history_id=models.OuterRef("history_id"))
                )
            )
            .order_by("history_id")
            .values_list("history_id", flat=True)
        )
        while ids := list(unsealed[:BATCH]):
            total += seal({model: set(ids)})
    return total


# --- sealing after commit ----------------------------------------------------------------------------------------


class _Batch:
    """The history rows one transaction wrote, sealed once it commits."""

    def __init__(self):
        self.pending: dict[type[models.Model], set[int]] = defaultdict(set)

    def flush(self):
        pending, self.pending = self.pending, defaultdict(set)
        seal(pending)


def note(model, history_ids, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Seal these history rows when the current transaction commits (at once outside a transaction)."""
    connection = transaction.get_connection(using)
    batch = getattr(connection, "_history_seal_batch", None)
    # A rolled-back transaction drops its on-commit callbacks: a batch whose flush is no longer queued is stale.
    # (`run_on_commit` is the connection's list of (savepoint ids, callback, robust) that on_commit appends to.)
    queued = batch is not None and any(entry[1] == batch.flush for entry in connection.run_on_commit)
    if not queued:
        batch = connection._history_seal_batch = _Batch()
    batch.pending[model].update(history_ids)
    # Once per row: a savepoint rolled back takes its own callbacks with it, never one queued before it. The
    # first flush to run seals the whole batch; the rest find it empty. robust: a sealing that fails must not
    # turn the committed change into an error; verify_audit seals what it left.
    transaction.on_commit(batch.flush, using=using, robust=True)


@receiver(post_create_historical_record, dispatch_uid="audit_seal_history")
def _history_written(sender, history_instance, using=None, **kwargs):
    note(sender, [history_instance.pk], using=using or DEFAULT_DB_ALIAS)


# --- verification ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    message: str
    last_seq: int = 0
    last_hash: str = GENESIS
    first_bad_seq: int | None = None


def verify(*, anchor: tuple[int, str] | None = None, batch: int = 2000) -> Verdict:
    """Walk the seals in order: each links to the one before, and the history row it seals is still as sealed.

    `anchor` is where an earlier verification found the chain's end (from the security log): that seal must
    still be there with that hash.
    """
    head = HistoryChainHead.objects.filter(pk=1).first()
    layouts = {lay.digest: lay.fields for lay in HistoryLayout.objects.all()}
    models_by_table = _by_table()
    expected_seq, expected_prev, checked = 1, GENESIS, 0

    def bad(seq, message):
        return Verdict(False, checked, message, first_bad_seq=seq)

    seals = HistorySeal.objects.order_by("seq")
    chunk = list(seals[:batch])
    while chunk:
        rows = {}
        by_table = defaultdict(set)
        for item in chunk:
            by_table[(item.table, item.layout)].add(item.history_id)
        for (table, digest), ids in by_table.items():
            model, fields = models_by_table.get(table), layouts.get(digest)
            if model is None or fields is None or not set(fields) <= set(layout_of(model)):
                return bad(chunk[0].seq, f"历史表 {table} 的字段布局 {digest} 无法核验：表或字段已不存在。")
            rows[(table, digest)] = _rows(model, fields, ids)
        for item in chunk:
            where = f"历史表 {item.table} 的记录 #{item.history_id}（链序号 {item.seq}）"
            if item.seq != expected_seq:
                return bad(
                    expected_seq, f"历史记录链缺少序号 {expected_seq}（下一条是 {item.seq}）：链被删改。"
                )
            if item.prev_hash != expected_prev:
                return bad(item.seq, f"{where}与链上前一条接不上：链被删改或调换。")
            values = rows[(item.table, item.layout)].get(item.history_id)
            if values is None:
                return bad(item.seq, f"{where}已被删除。")
            if seal_hash(item, values) != item.row_hash:
                return bad(item.seq, f"{where}的内容与入链时不符：该记录被改动或调换。")
            checked += 1
            expected_seq, expected_prev = item.seq + 1, item.row_hash
            if anchor and item.seq == anchor[0] and item.row_hash != anchor[1]:
                return bad(item.seq, f"历史记录链序号 {item.seq} 与上次核验时不同：链被重写。")
        chunk = list(seals.filter(seq__gte=expected_seq)[:batch])
    last_seq = head.last_seq if head else 0
    if expected_seq - 1 != last_seq or (head and expected_prev != head.last_hash):
        return bad(
            expected_seq, f"历史记录链尾应为序号 {last_seq}，实际止于 {expected_seq - 1}：末尾被删除。"
        )
    if anchor and anchor[0] > last_seq:
        return bad(anchor[0], f"上次核验时历史记录链至序号 {anchor[0]}，现在只到 {last_seq}：链被截断。")
    return Verdict(True, checked, f"历史记录链完整：核验 {checked} 条", last_seq, expected_prev)
