"""Every write of the security log: one event appended to the chain at a time (the head row is the lock)."""

import contextvars
import datetime as dt
import hashlib
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import ChainHead, SecurityEvent

log = logging.getLogger(__name__)

GENESIS = "0" * 64
Kind, Result = SecurityEvent.Kind, SecurityEvent.Result
# 等保2.0 asks for at least six months of audit records; the purge refuses anything younger.
RETENTION_DAYS = max(180, getattr(settings, "SECURITY_LOG_RETENTION_DAYS", 180))


def content(event: SecurityEvent) -> str:
    """What a row's hash covers: its place in the chain, the hash before it and everything it says."""
    at = event.at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    fields = (event.seq, at, event.kind, event.result, event.user_id or "", event.username, event.ip or "",
              event.path, event.target, event.detail, event.prev_hash)  # fmt: skip
    return "\x1f".join(str(f) for f in fields)


def row_hash(event: SecurityEvent) -> str:
    return hashlib.sha256(content(event).encode()).hexdigest()


def _locked_head() -> ChainHead:
    # The first writer creates the head; a second one racing it finds the row (ignore_conflicts) and waits on it.
    ChainHead.objects.bulk_create(
        [ChainHead(pk=1, last_hash=GENESIS, anchor_hash=GENESIS)], ignore_conflicts=True
    )
    return ChainHead.objects.select_for_update().get(pk=1)


# The request being answered (set by audit.middleware): an event recorded deep in a service (a password set
# through a form, a role given in the admin) still says who, from where and on which page.
_request: contextvars.ContextVar = contextvars.ContextVar("audit_request", default=None)


def current_request():
    return _request.get()


def client_ip(request) -> str | None:
    if request is None:
        return None
    from axes.helpers import get_client_ip_address

    return getattr(request, "axes_ip_address", None) or get_client_ip_address(request)


def record(
    *,
    kind: str,
    result: str = Result.SUCCESS,
    user=None,
    username: str = "",
    request=None,
    target: str = "",
    detail: str = "",
) -> SecurityEvent:
    """Append one event. Inside a caller's transaction it commits (or rolls back) with the change it records."""
    request = request if request is not None else current_request()
    if user is None and not username and request is not None:
        user = getattr(request, "user", None)  # the person whose request this is
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    with transaction.atomic():
        head = _locked_head()
        event = SecurityEvent(
            seq=head.last_seq + 1,
            at=timezone.now(),
            kind=kind,
            result=result,
            user_id=user.pk if user is not None else None,
            username=(user.get_username() if user is not None else username)[:150],
            ip=client_ip(request),
            path=(request.get_full_path() if request is not None else "")[:500],
            target=target[:300],
            detail=detail,
            prev_hash=head.last_hash,
        )
        event.row_hash = row_hash(event)
        event.save(force_insert=True)
        ChainHead.objects.filter(pk=head.pk).update(last_seq=event.seq, last_hash=event.row_hash)
    return event


def record_quietly(**kwargs) -> SecurityEvent | None:
    """record(), for the page layer: a failure to log is logged, never a 500 for the person."""
    try:
        return record(**kwargs)
    except Exception:
        log.exception("安全日志写入失败：%s", kwargs.get("kind"))
        return None


@transaction.atomic
def purge(*, before: dt.datetime, actor=None) -> int:
    """Delete the events older than `before` (refused inside the retention period); the chain's anchor moves to
    the last deleted row, so what remains still verifies, and the purge itself is an event."""
    limit = timezone.now() - dt.timedelta(days=RETENTION_DAYS)
    if before > limit:
        from opinion_system.errors import DomainError

        raise DomainError(
            f"安全日志至少保留 {RETENTION_DAYS} 天：只能清理 {timezone.localtime(limit):%Y-%m-%d} 之前的记录。"
        )
    head = _locked_head()
    # Only a prefix of the chain may go, up to the first row that must stay (a clock set back could have written
    # an old time after a young one).
    old = SecurityEvent.objects.filter(at__lt=before)
    first_kept = (
        SecurityEvent.objects.filter(at__gte=before).order_by("seq").values_list("seq", flat=True).first()
    )
    if first_kept is not None:
        old = old.filter(seq__lt=first_kept)
    last = old.order_by("seq").last()
    if last is None:
        return 0
    deleted, _ = SecurityEvent.objects.filter(seq__lte=last.seq).delete()
    ChainHead.objects.filter(pk=head.pk).update(anchor_seq=last.seq, anchor_hash=last.row_hash)
    record(
        kind=Kind.PURGE,
        user=actor,
        target=f"序号 ≤ {last.seq}",
        detail=f"清理 {before:%Y-%m-%d} 之前的 {deleted} 条记录",
    )
    return deleted
