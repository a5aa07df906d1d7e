"""The sweep of 隐患排查 items: every minute, an open item whose next notice has come gets it, exactly once.

Stages, as for an incident's deadlines (incidents.engine): a reminder to the owner RISK_ITEM_REMINDER_MINUTES
before the end of the due day → overdue at the end of it (owner and office) → 督办 RISK_ITEM_ESCALATE_AFTER_MINUTES
later (office and leadership group). Each stage is claimed by one conditional UPDATE that stamps it only where
it is still unstamped and the item still open, and only the sweep whose UPDATE changed the row writes the
notices (as notifications.delivery claims a notice): two sweeps, two workers, or a sweep racing the owner's
"done", send each notice once. The notices' dedupe keys (risk:<pk>:<stage>) are the second lock.
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from departments.models import User
from departments.roles import Role
from departments.selectors import users_with_role
from notifications import delivery
from notifications.services import Message, build_rows, save_rows

from .models import RiskItem

log = logging.getLogger(__name__)

SWEEP_LIMIT = 500  # items per sweep; more are taken by the next minute's sweep
MY_ITEMS_PATH = "/meetings/risks/"


@dataclass
class Audiences:
    office: list[User]
    leadership: list[User]

    @classmethod
    def load(cls) -> "Audiences":
        return cls(
            office=list(users_with_role(Role.OFFICE)), leadership=list(users_with_role(Role.LEADERSHIP))
        )


def escalate_at(item: RiskItem) -> dt.datetime:
    return item.due_at + dt.timedelta(minutes=settings.RISK_ITEM_ESCALATE_AFTER_MINUTES)


def stage_of(item: RiskItem, now: dt.datetime) -> tuple[str | None, dt.datetime | None]:
    """The stage due now (None if none) and when the next one comes after it."""
    if now < item.due_at:
        if item.reminded_at is None:
            return "reminder", item.due_at
        return None, item.due_at
    if item.overdue_at is None:
        return "overdue", escalate_at(item)
    if item.escalated_at is None and now >= escalate_at(item):
        return "escalation", None
    return None, escalate_at(item) if item.escalated_at is None else None


STAMP = {"reminder": "reminded_at", "overdue": "overdue_at", "escalation": "escalated_at"}


def _local(day: dt.date) -> str:
    return f"{day:%Y-%m-%d}"


def _message(item: RiskItem, stage: str, now: dt.datetime) -> tuple[str, str]:
    what, due = item.description[:60], _local(item.due_on)
    owner = item.owner.display_name
    if stage == "reminder":
        return (
            f"【提醒】排查事项将于 {due} 到期",
            f"您负责的排查事项「{what}」须于 {due} 前完成，请按时办结并登记。",
        )
    if stage == "overdue":
        return (
            f"【逾期】排查事项已逾期（{owner}）",
            f"排查事项「{what}」（责任人：{owner}）已于 {due} 到期，尚未办结。",
        )
    late_days = max(1, (now - item.due_at).days + 1)
    return (
        f"【督办】排查事项逾期未办结（{owner}）",
        f"{item.meeting.title}交办的排查事项「{what}」（责任人：{owner}）已逾期约 {late_days} 天仍未办结，请督促办理。",
    )


def _recipients(item: RiskItem, stage: str, people: Audiences) -> list[User]:
    if stage == "reminder":
        return [item.owner]
    if stage == "overdue":
        return [item.owner, *people.office]
    return [*people.office, *people.leadership]


def claim(item: RiskItem, stage: str, now: dt.datetime, next_notice_at: dt.datetime | None) -> bool:
    """Stamp the stage if nobody did yet and the item is still open; True for the one sweep that did."""
    field = STAMP[stage]
    rows = RiskItem.objects.filter(pk=item.pk, done_at__isnull=True, **{f"{field}__isnull": True})
    return rows.update(**{field: now, "next_notice_at": next_notice_at}) == 1


def advance(item: RiskItem, now: dt.datetime, people: Audiences) -> int:
    """Take the item one stage on; returns the notices written (0 when another sweep took it)."""
    stage, following = stage_of(item, now)
    if stage is None:
        RiskItem.objects.filter(pk=item.pk, next_notice_at=item.next_notice_at).update(
            next_notice_at=following
        )
        return 0
    with transaction.atomic():
        if not claim(item, stage, now, following):
            return 0
        subject, text = _message(item, stage, now)
        message = Message(
            kind=f"risk_{stage}",
            subject=subject,
            text=text,
            incident=None,
            key=f"risk:{item.pk}:{stage}",
            created_at=now,
            link=MY_ITEMS_PATH if stage == "reminder" else item.meeting.page_path,
        )
        rows = build_rows(message, _recipients(item, stage, people), actor=None)  # the sweep: nobody acted
        save_rows(rows)
    return len(rows)


def due_items(now: dt.datetime, limit: int = SWEEP_LIMIT) -> list[RiskItem]:
    return list(
        RiskItem.objects.filter(done_at__isnull=True, next_notice_at__lte=now)
        .select_related("owner", "meeting")
        .order_by("next_notice_at")[:limit]
    )


def sweep(now: dt.datetime | None = None) -> tuple[int, int]:
    """One sweep: (items looked at, notices written)."""
    now = now or timezone.now()
    items = due_items(now)
    if not items:
        return 0, 0
    people = Audiences.load()
    notices = sum(advance(item, now, people) for item in items)
    return len(items), notices


def run_once() -> tuple[int, int]:
    """What the beat task and the management command run; notices go out like the deadlines' do."""
    processed, notices = sweep()
    if notices:
        delivery.queue_pending()
    log.info("risk sweep: %s items, %s notices", processed, notices)
    return processed, notices
