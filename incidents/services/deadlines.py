"""Deadlines as rows (第十条): created, met and made moot by the workflow; the sweep sends their notices.

- filing: the disposal form must reach the office within rules.FILING_HOURS after the disposal ends (every level);
- daily exchange (level 2): at least one progress report each calendar day in Asia/Shanghai while in
  disposal. The day the disposal starts is covered by the department's first-time report (第一时间报告), so a
  deadline always asks for a report before the end of the *next* calendar day after the last one;
- round the clock (level 1): a progress report every LEVEL1_REPORT_INTERVAL_HOURS hours, night included;
- statement review: 党政办 reviews a submitted reply statement within STATEMENT_REVIEW_HOURS;
- leader opinion: the supervising leader writes 报分管领导处置意见 within LEADER_OPINION_HOURS after the disposal
  ends (or the office records why it is waived);
- level-1 duties (第九条、第十条): each is due rules.level_one_duty_hours(kind) after the level-1 decision; met when
  recorded, moot when the office waives it or the level is lowered.

An exchange closed while overdue is recorded as missed (with the number of reports missed), never as moot.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction

from departments.models import User
from notifications import hooks
from notifications.services import notice_cancel_unsent
from opinion_system import clock
from opinion_system.stamps import stamp

from .. import rules
from ..models import Deadline, Incident, Status, duty_deadline_kind

EXCHANGE_KINDS = (Deadline.Kind.DAILY_EXCHANGE, Deadline.Kind.ROUND_THE_CLOCK)


def exchange_kind(level: int | None) -> Deadline.Kind | None:
    exchange = rules.exchange_for(level)
    return Deadline.Kind(exchange) if exchange else None


def next_exchange_due(kind: Deadline.Kind, since: dt.datetime) -> dt.datetime:
    if kind == Deadline.Kind.DAILY_EXCHANGE:
        return clock.start_of_local_day(since, days_later=2)
    return since + dt.timedelta(hours=settings.LEVEL1_REPORT_INTERVAL_HOURS)


def first_notice_at(kind: str, created_at: dt.datetime, due_at: dt.datetime) -> dt.datetime:
    """The reminder's moment, or the due time when there is no room (or no setting) for a reminder.

    第八条: a key monitoring period may ask for an earlier reminder of what falls due in it; the longer lead wins.
    """
    minutes = settings.DEADLINE_REMINDER_MINUTES.get(kind, 0)
    if minutes:  # a kind without a reminder (its notice is the arrival itself) gets none in a period either
        minutes = max(minutes, hooks.reminder_lead_minutes(due_at))
    lead = dt.timedelta(minutes=minutes)
    remind_at = due_at - lead
    return remind_at if lead and remind_at > created_at else due_at


def open_deadline(
    incident: Incident, kind: Deadline.Kind, due_at: dt.datetime, *, actor: User | None
) -> Deadline:
    now = clock.now()
    deadline = Deadline(
        incident=incident,
        kind=kind,
        due_at=due_at,
        created_at=now,
        next_notice_at=first_notice_at(kind, now, due_at),
    )
    stamp(deadline, actor=actor, reason=f"开始计时：{kind.label}")
    deadline.save()
    return deadline


@transaction.atomic
def replan_reminders(*, due_from: dt.datetime, due_to: dt.datetime) -> int:
    """The reminder moments of open, not yet reminded deadlines due in [due_from, due_to) taken again (a key
    monitoring period entered, changed or deleted: 第八条); returns how many moved. A moment already past is
    due at the next sweep."""
    moved = 0
    rows = Deadline.objects.select_for_update().filter(
        state=Deadline.State.OPEN, reminded_at__isnull=True, due_at__gte=due_from, due_at__lt=due_to
    )
    for deadline in rows:
        wanted = first_notice_at(deadline.kind, deadline.created_at, deadline.due_at)
        if wanted != deadline.next_notice_at:
            deadline.next_notice_at = wanted
            stamp(deadline, actor=None, reason="重点监测时段调整提醒时间")
            deadline.save(update_fields=["next_notice_at"])
            moved += 1
    return moved


def _close(deadline: Deadline, *, state: Deadline.State, actor: User | None, reason: str) -> None:
    now = clock.now()
    if state == Deadline.State.MOOT and deadline.kind in EXCHANGE_KINDS and now > deadline.due_at:
        # 第十五条: an exchange already overdue is a miss, whatever stops the clock afterwards.
        state, reason = Deadline.State.MISSED, f"{reason}（此前已逾期未报）"
    deadline.state = state
    deadline.closed_reason = reason[:200]
    deadline.closed_at = now
    if state == Deadline.State.MET:
        deadline.met_at = now
    deadline.misses = deadline.misses_until(now)
    deadline.next_notice_at = None
    stamp(deadline, actor=actor, reason=reason)
    deadline.save()
    notice_cancel_unsent(deadline=deadline, now=now)


def open_deadlines(incident: Incident, kinds) -> list[Deadline]:
    return list(
        Deadline.objects.select_for_update().filter(
            incident=incident, state=Deadline.State.OPEN, kind__in=kinds
        )
    )


def replan_exchange(incident: Incident, *, actor: User | None, reason: str) -> None:
    """Make the open exchange deadline match the incident's level and status (re-plan on every change)."""
    wanted = exchange_kind(incident.level) if incident.status == Status.IN_DISPOSAL else None
    have_wanted = False
    for deadline in open_deadlines(incident, EXCHANGE_KINDS):
        if deadline.kind == wanted:
            have_wanted = True
        else:
            _close(deadline, state=Deadline.State.MOOT, actor=actor, reason=reason)
    if wanted and not have_wanted:
        open_deadline(incident, wanted, next_exchange_due(wanted, clock.now()), actor=actor)


def satisfy_exchange(incident: Incident, *, actor: User) -> None:
    """A progress report meets the open exchange deadline (late or not) and starts the next one.

    A daily report made on a day already covered moves nothing: the open deadline already asks for the
    next day's report, so it stays open rather than being closed and reopened with the same due time.
    """
    wanted = exchange_kind(incident.level)
    if wanted is None:
        return
    next_due = next_exchange_due(wanted, clock.now())
    current = open_deadlines(incident, [wanted])
    if any(deadline.due_at >= next_due for deadline in current):
        return
    for deadline in current:
        _close(deadline, state=Deadline.State.MET, actor=actor, reason="已报送互通信息")
    open_deadline(incident, wanted, next_due, actor=actor)


def start_filing(incident: Incident, *, actor: User) -> Deadline:
    ended = incident.disposal_ended_at or clock.now()
    return open_deadline(
        incident, Deadline.Kind.FILING, ended + dt.timedelta(hours=rules.FILING_HOURS), actor=actor
    )


def satisfy_filing(incident: Incident, *, actor: User) -> None:
    for deadline in open_deadlines(incident, [Deadline.Kind.FILING]):
        _close(deadline, state=Deadline.State.MET, actor=actor, reason="处置表已报送领导小组办公室")


def moot_all(incident: Incident, *, actor: User | None, reason: str) -> None:
    for deadline in open_deadlines(incident, Deadline.Kind.values):
        _close(deadline, state=Deadline.State.MOOT, actor=actor, reason=reason)


def start_statement_review(incident: Incident, *, actor: User) -> Deadline:
    """党政办 is expected to review within STATEMENT_REVIEW_HOURS; after that it is flagged to 党政办."""
    due = clock.now() + dt.timedelta(hours=settings.STATEMENT_REVIEW_HOURS)
    return open_deadline(incident, Deadline.Kind.STATEMENT_REVIEW, due, actor=actor)


def start_leader_opinion(incident: Incident, *, actor: User) -> Deadline:
    """The supervising leader is asked for 报分管领导处置意见 when the disposal ends."""
    ended = incident.disposal_ended_at or clock.now()
    due = ended + dt.timedelta(hours=settings.LEADER_OPINION_HOURS)
    return open_deadline(incident, Deadline.Kind.LEADER_OPINION, due, actor=actor)


def satisfy_leader_opinion(incident: Incident, *, actor: User, reason: str) -> None:
    for deadline in open_deadlines(incident, [Deadline.Kind.LEADER_OPINION]):
        _close(deadline, state=Deadline.State.MET, actor=actor, reason=reason)


def satisfy_statement_review(incident: Incident, *, actor: User) -> None:
    for deadline in open_deadlines(incident, [Deadline.Kind.STATEMENT_REVIEW]):
        _close(deadline, state=Deadline.State.MET, actor=actor, reason="党政办已审定")


def start_duty(incident: Incident, duty_kind: str, *, actor: User | None) -> Deadline | None:
    """The level-1 duty's clock, from now (the level-1 decision); none when one is already running."""
    kind = duty_deadline_kind(duty_kind)
    if open_deadlines(incident, [kind]):
        return None
    due = clock.now() + dt.timedelta(hours=rules.level_one_duty_hours(duty_kind))
    return open_deadline(incident, kind, due, actor=actor)


def satisfy_duty(incident: Incident, duty_kind: str, *, actor: User, reason: str) -> None:
    for deadline in open_deadlines(incident, [duty_deadline_kind(duty_kind)]):
        _close(deadline, state=Deadline.State.MET, actor=actor, reason=reason)


def moot_duty(incident: Incident, duty_kind: str, *, actor: User | None, reason: str) -> None:
    for deadline in open_deadlines(incident, [duty_deadline_kind(duty_kind)]):
        _close(deadline, state=Deadline.State.MOOT, actor=actor, reason=reason)
