"""The deadline sweep: every minute, open deadlines whose next notice has come get it, exactly once.

The database is the source of truth (DESIGN rule 4). One indexed query claims the due rows with
`SELECT … FOR UPDATE SKIP LOCKED`, so two beats, two workers or a sweep started while another runs never
take the same row; a sweep killed half-way rolls back and its rows are taken by the next one. Each stage of a
deadline writes notices under a unique key (deadline, stage, repeat number), so even a repeated stage writes
nothing twice. Notices are then delivered by notifications.delivery (Celery tasks, or in-process without Redis).

Stages of a deadline (settings): reminder before `due_at` → overdue at `due_at` (department and office) →
escalation (督办) after DEADLINE_ESCALATE_AFTER_MINUTES (supervising leader and office) → the overdue notice
repeated every DEADLINE_REPEAT_MINUTES until the deadline is met or made moot.
"""

import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit import history_chain
from departments.models import Department, Liaison, User
from departments.roles import Role
from departments.selectors import users_with_role
from notifications import delivery
from notifications.selectors import endpoint_list_for
from notifications.services import Message, build_rows, save_rows

from . import rules
from .models import DUTY_DEADLINE_KINDS, Deadline, IncidentEvent, SchedulerHeartbeat
from .tokens import tokens_prune

log = logging.getLogger(__name__)

SWEEP_LIMIT = 2000  # rows per sweep; more are taken by the next minute's sweep
STAGE_FIELDS = ["next_notice_at", "reminded_at", "overdue_at", "escalated_at", "overdue_notices"]


@dataclass
class SweepResult:
    processed: int = 0
    notices: int = 0
    queued: int = 0
    duration_ms: int = 0


@dataclass
class Audiences:
    """Everyone a sweep may notify, read in a constant number of queries whatever the number of rows."""

    office: list[User]
    admin_office: list[User]
    department_people: dict[int, list[User]] = field(default_factory=dict)
    endpoints: list = field(default_factory=list)
    leadership: list[User] = field(default_factory=list)

    @classmethod
    def load(cls, deadlines: list[Deadline]) -> "Audiences":
        departments = {d.incident.responsible_department for d in deadlines}
        people: dict[int, dict[int, User]] = {dep.pk: {} for dep in departments}
        for dep in departments:
            if dep.head_id and dep.head.is_active:
                people[dep.pk][dep.head_id] = dep.head
        liaisons = Liaison.objects.filter(
            department__in=departments, status=Liaison.Status.REGISTERED, user__is_active=True
        ).select_related("user")
        for liaison in liaisons:
            people[liaison.department_id][liaison.user_id] = liaison.user
        roles = [Role.OFFICE, Role.ADMIN_OFFICE, Role.SUPERVISING_LEADERS]
        # The level-1 duties' 督办 goes to the leadership group (第十条): read only when such a row is due.
        duties_due = any(d.kind in DUTY_DEADLINE_KINDS for d in deadlines)
        if duties_due:
            roles.append(Role.LEADERSHIP)
        return cls(
            leadership=list(users_with_role(Role.LEADERSHIP)) if duties_due else [],
            office=list(users_with_role(Role.OFFICE)),
            admin_office=list(users_with_role(Role.ADMIN_OFFICE)),
            department_people={k: list(v.values()) for k, v in people.items()},
            endpoints=endpoint_list_for(department_ids=[dep.pk for dep in departments], roles=roles),
        )

    def hooks(self, *, department: Department | None = None, roles=()) -> list:
        roles = {str(r) for r in roles}
        return [
            e
            for e in self.endpoints
            if (department is not None and e.department_id == department.pk) or (e.role and e.role in roles)
        ]


def _local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%m月%d日 %H:%M}"


def _next_notice(deadline: Deadline) -> dt.datetime:
    """After an overdue notice: the escalation if still to come, else the next repeat."""
    repeat = deadline.overdue_at + dt.timedelta(
        minutes=settings.DEADLINE_REPEAT_MINUTES * deadline.overdue_notices
    )
    if deadline.escalated_at is None:
        escalate = deadline.due_at + dt.timedelta(minutes=settings.DEADLINE_ESCALATE_AFTER_MINUTES)
        return min(escalate, repeat)
    return repeat


def _stage(deadline: Deadline, now: dt.datetime) -> str:
    if now < deadline.due_at:
        return "reminder" if deadline.reminded_at is None else "wait"
    if deadline.overdue_at is None:
        return "overdue"
    escalate_at = deadline.due_at + dt.timedelta(minutes=settings.DEADLINE_ESCALATE_AFTER_MINUTES)
    if deadline.escalated_at is None and now >= escalate_at:
        return "escalation"
    return "repeat"


def _texts(deadline: Deadline, stage: str, now: dt.datetime) -> tuple[str, str]:
    incident, kind = deadline.incident, deadline.get_kind_display()
    head = f"{incident.number} {incident.title}"
    late = now - deadline.due_at
    hours = max(1, int(late.total_seconds() // 3600))
    if deadline.kind == Deadline.Kind.STATEMENT_REVIEW:
        waited = int((now - deadline.created_at).total_seconds() // 3600)
        return (
            f"【待审定】{head}",
            f"回复通稿已报送党政办 {waited} 小时，尚未审定，请尽快审定（{incident.responsible_department.name}）。",
        )
    if stage == "reminder":
        what = {
            Deadline.Kind.FILING: rules.filing_reminder(),
            Deadline.Kind.DAILY_EXCHANGE: "二级舆情处置期间须每天与领导小组办公室互通信息",
            Deadline.Kind.ROUND_THE_CLOCK: (
                f"一级舆情须每 {settings.LEVEL1_REPORT_INTERVAL_HOURS} 小时与领导小组互通信息"
            ),
            Deadline.Kind.LEADER_OPINION: "处置表「报分管领导处置意见」一栏待您填写",
            **{
                duty: f"一级舆情须在研判为一级后 {_hours(duty)} 小时内{duty.label.removeprefix('一级响应：')}并在系统登记"
                for duty in DUTY_DEADLINE_KINDS
            },
        }.get(deadline.kind, kind)
        return f"【提醒】{head}", f"{what}，请于 {_local(deadline.due_at)} 前完成。"
    if stage == "escalation":
        return (
            f"【督办】{head}",
            f"{_owner(deadline)}的「{kind}」已于 {_local(deadline.due_at)} 到期，"
            f"逾期已超过 {hours} 小时仍未完成，请督促办理。",
        )
    return (
        f"【逾期】{head}",
        f"「{kind}」已于 {_local(deadline.due_at)} 到期，尚未完成（已逾期约 {hours} 小时），请立即办理。",
    )


def _owner(deadline: Deadline) -> str:
    """Whose the deadline is: the level-1 duties are carried out by the office (第九条), the rest by the department."""
    if deadline.kind in DUTY_DEADLINE_KINDS:
        return "领导小组办公室（党群工作部）"
    return deadline.incident.responsible_department.name


def _hours(kind: Deadline.Kind) -> str:
    return f"{rules.level_one_duty_hours(kind.removeprefix('duty_')):g}"


def _recipients(deadline: Deadline, stage: str, people: Audiences) -> tuple[list[User], list]:
    department = deadline.incident.responsible_department
    own = people.department_people.get(department.pk, [])
    if deadline.kind in DUTY_DEADLINE_KINDS:
        # The office carries out and records the level-1 duties (第九条: it reports to the leadership group and
        # the superior authority); an overdue one is chased by the leadership group (督办).
        if stage == "escalation":
            office_and_group = list({u.pk: u for u in people.office + people.leadership}.values())
            return office_and_group, people.hooks(roles=[Role.OFFICE, Role.LEADERSHIP])
        return people.office, people.hooks(roles=[Role.OFFICE])
    if deadline.kind == Deadline.Kind.STATEMENT_REVIEW:
        return people.admin_office, people.hooks(roles=[Role.ADMIN_OFFICE])
    if deadline.kind == Deadline.Kind.LEADER_OPINION:
        # The opinion is the supervising leader's to write; the office chases it (and may record a waiver).
        leader = [department.supervising_leader] if department.supervising_leader_id else []
        if stage == "reminder":
            return leader, people.hooks(roles=[Role.SUPERVISING_LEADERS])
        return leader + people.office, people.hooks(roles=[Role.OFFICE, Role.SUPERVISING_LEADERS])
    if stage == "reminder":
        return own, people.hooks(department=department)
    if stage == "escalation":
        leader = [department.supervising_leader] if department.supervising_leader_id else []
        return leader + people.office, people.hooks(roles=[Role.OFFICE, Role.SUPERVISING_LEADERS])
    return own + people.office, people.hooks(department=department, roles=[Role.OFFICE])


def advance(deadline: Deadline, now: dt.datetime, people: Audiences) -> tuple[list, IncidentEvent | None]:
    """Take the deadline one stage on; return the notices and case-log line it produces."""
    stage = _stage(deadline, now)
    if stage == "wait":
        deadline.next_notice_at = deadline.due_at
        return [], None
    # A repeat is the n-th overdue notice: same kind for people, its own key so each is written once.
    name = "overdue" if stage == "repeat" else stage
    number = deadline.overdue_notices if stage == "repeat" else 0
    subject, text = _texts(deadline, stage, now)
    message = Message(
        kind=f"deadline_{name}",
        subject=subject,
        text=text,
        incident=deadline.incident,
        key=f"deadline:{deadline.pk}:{name}:{number}",
        created_at=now,
        link=deadline.incident.page_path,
        deadline=deadline,
    )
    users, hooks = _recipients(deadline, stage, people)
    rows = build_rows(message, users, hooks, actor=None)  # the sweep: nobody acted
    event = None
    if stage == "reminder":
        deadline.reminded_at = now
        deadline.next_notice_at = deadline.due_at
    elif stage == "escalation":
        deadline.escalated_at = now
        deadline.next_notice_at = _next_notice(deadline)
        event = IncidentEvent(
            incident=deadline.incident, kind=IncidentEvent.Kind.DEADLINE, message=text, created_at=now
        )
    else:  # overdue, or a repeat while overdue
        if deadline.overdue_at is None:
            deadline.overdue_at = now
            event = IncidentEvent(
                incident=deadline.incident, kind=IncidentEvent.Kind.DEADLINE, message=text, created_at=now
            )
        deadline.overdue_notices += 1
        deadline.next_notice_at = _next_notice(deadline)
    return rows, event


def claim_due(now: dt.datetime, limit: int = SWEEP_LIMIT) -> list[Deadline]:
    """The one indexed query: open deadlines whose next notice has come, locked, skipping rows held elsewhere."""
    return list(
        Deadline.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(state=Deadline.State.OPEN, next_notice_at__lte=now)
        .select_related(
            "incident__responsible_department__head", "incident__responsible_department__supervising_leader"
        )
        .order_by("next_notice_at")[:limit]
    )


def _save_stages(due: list[Deadline]) -> None:
    """Write the advanced stages back in one statement.

    Django's bulk_update builds a CASE per row and field (5,000 expressions for 1,000 rows), which PostgreSQL
    plans slowly while the sweep holds its row locks; there one UPDATE … FROM (VALUES …) does the same
    (vendor-gated, bulk_update elsewhere; tests/test_raw_sql.py keeps the register of hand-written SQL).
    """
    if connection.vendor != "postgresql":
        Deadline.objects.bulk_update(due, STAGE_FIELDS, batch_size=500)
        return
    table = Deadline._meta.db_table
    row = "(%s::bigint, %s::timestamptz, %s::timestamptz, %s::timestamptz, %s::timestamptz, %s::int)"
    for start in range(0, len(due), 1000):
        chunk = due[start : start + 1000]
        params = [
            value
            for d in chunk
            for value in (
                d.pk,
                d.next_notice_at,
                d.reminded_at,
                d.overdue_at,
                d.escalated_at,
                d.overdue_notices,
            )
        ]
        # The table name comes from the model and every value is a parameter.
        sql = (
            f'UPDATE "{table}" AS d SET next_notice_at = v.next_notice_at, reminded_at = v.reminded_at, '  # noqa: S608
            "overdue_at = v.overdue_at, escalated_at = v.escalated_at, overdue_notices = v.overdue_notices "
            f"FROM (VALUES {', '.join([row] * len(chunk))}) "
            "AS v(id, next_notice_at, reminded_at, overdue_at, escalated_at, overdue_notices) WHERE d.id = v.id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def sweep(*, limit: int = SWEEP_LIMIT) -> SweepResult:
    """One sweep: advance every due deadline by one stage and write its notices, in one transaction."""
    started = time.perf_counter()
    now = timezone.now()
    result = SweepResult()
    with transaction.atomic():
        due = claim_due(now, limit)
        if due:
            people = Audiences.load(due)
            rows, events = [], []
            for deadline in due:
                notices, event = advance(deadline, now, people)
                rows += notices
                if event is not None:
                    events.append(event)
            _save_stages(due)
            written = Deadline.history.bulk_history_create(
                due, update=True, batch_size=500, default_change_reason="系统定时检查", default_date=now
            )
            # Bulk history bypasses simple-history's signals: the rows are named to the history chain here.
            history_chain.note(Deadline.history.model, [h.pk for h in written if h.pk is not None])
            IncidentEvent.objects.bulk_create(events, batch_size=500)
            save_rows(rows)
            result.processed, result.notices = len(due), len(rows)
        result.duration_ms = int((time.perf_counter() - started) * 1000)
        _heartbeat(now, result)
    return result


def _heartbeat(now: dt.datetime, result: SweepResult) -> None:
    # One upsert: two first sweeps racing on an empty table must not both INSERT (and one roll back its work).
    beat = SchedulerHeartbeat(
        pk=1, last_sweep_at=now, last_duration_ms=result.duration_ms, last_processed=result.processed
    )
    SchedulerHeartbeat.objects.bulk_create(
        [beat],
        update_conflicts=True,
        unique_fields=["id"],
        update_fields=["last_sweep_at", "last_duration_ms", "last_processed"],
    )


def scheduler_status(now: dt.datetime | None = None) -> dict:
    """Whether the sweep ran recently; a silent scheduler must be visible (health endpoint, office pages)."""
    now = now or timezone.now()
    beat = SchedulerHeartbeat.objects.filter(pk=1).first()
    stale_after = dt.timedelta(minutes=settings.SCHEDULER_STALE_MINUTES)
    ok = beat is not None and now - beat.last_sweep_at <= stale_after
    return {
        "ok": ok,
        "last_sweep_at": beat.last_sweep_at if beat else None,
        "age_seconds": int((now - beat.last_sweep_at).total_seconds()) if beat else None,
    }


def run_once() -> SweepResult:
    """What the beat task, the management command and the in-process scheduler all run."""
    result = sweep()
    result.queued = delivery.queue_pending()
    tokens_prune()  # the one-time form tokens of forms sent more than a day ago
    log.info("sweep: %s deadlines, %s notices, %s queued, %s ms", result.processed, result.notices, result.queued,
             result.duration_ms)  # fmt: skip
    return result
