"""研判 and 分级 (第十条): the office sets category, level and responsible department; levels change with a
recorded GradeEscalation and the new level's duties start at once."""

from django.db import transaction
from django.utils import timezone

from departments.models import Department, User
from departments.roles import Role
from opinion_system import clock
from opinion_system.errors import DomainError
from opinion_system.stamps import stamp

from .. import rules
from ..models import Category, GradeEscalation, Incident, IncidentEvent, Level, LevelOneDuty
from ..workflow import Action
from . import deadlines
from .common import (
    Tell,
    department_audience,
    department_members,
    lock_incident,
    log_event,
    notify,
    record,
    require_text,
    role_members,
    subject,
)


def _valid_level(category: str, level) -> Level:
    try:
        level = Level(int(level))
    except (TypeError, ValueError):
        raise DomainError("请选择响应级别（三级、二级或一级）。") from None
    if refusal := rules.level_refusal(category, level):
        raise DomainError(refusal)
    return level


def _start_level_duties(incident: Incident, event: IncidentEvent, *, actor: User) -> None:
    """Start what the (new) level asks for at once: notices, level-1 duties, the exchange clock."""
    level = incident.level
    if level in rules.ALERT_LEVELS:
        notify(
            role_members(Role.OFFICE, Role.ADMIN_OFFICE),
            kind="level_alert",
            event=event,
            subject=f"【{Level(level).label}】{incident.number} {incident.title}",
            text=f"{incident.responsible_department.name}的舆情「{incident.title}」为{Level(level).label}，"
            "需党政办审定回复通稿，责任部门每天互通信息。",
        )
    if level == Level.ONE:
        # 第十条 一级: 第一时间报告学校党政主要领导.
        notify(
            role_members(Role.TOP_LEADERS, Role.LEADERSHIP),
            kind="level_one_alert",
            event=event,
            subject=f"【一级舆情】{incident.number} {incident.title}",
            text=f"{incident.responsible_department.name}发生一级舆情「{incident.title}」，"
            "请领导小组研判并按规定向上级网络舆情主管部门报告。",
        )
        _open_level_one_duties(incident, actor=actor)
    else:
        _cancel_open_level_one_duties(incident, actor=actor)
    deadlines.replan_exchange(incident, actor=actor, reason=f"响应级别为{Level(level).label}")


def _open_level_one_duties(incident: Incident, *, actor: User) -> None:
    now = clock.now()
    existing = {d.kind: d for d in LevelOneDuty.objects.filter(incident=incident)}
    for kind in LevelOneDuty.Kind:
        duty = existing.get(kind)
        if duty is None:
            duty = LevelOneDuty(incident=incident, kind=kind, required_since=now)
        elif duty.done_at is None and duty.cancelled_at is not None:
            duty.required_since, duty.cancelled_at = now, None
        else:
            continue  # done or waived duties stay so; open ones stay open
        stamp(duty, actor=actor, reason="启动一级响应")
        duty.save()
        deadlines.start_duty(incident, kind, actor=actor)


def _cancel_open_level_one_duties(incident: Incident, *, actor: User) -> None:
    # Duties already done stay done; the ones not yet done are no longer required after lowering.
    for duty in LevelOneDuty.objects.filter(
        incident=incident, done_at__isnull=True, waived_at__isnull=True, cancelled_at__isnull=True
    ):
        duty.cancelled_at = clock.now()
        stamp(duty, actor=actor, reason="降级，不再需要")
        duty.save()
        deadlines.moot_duty(incident, duty.kind, actor=actor, reason="响应级别已降低，不再需要")


@transaction.atomic
def incident_assess(
    *,
    incident: Incident,
    actor: User,
    category: str,
    level,
    responsible_department: Department,
    reason: str = "",
    expected_version: int | None = None,
) -> Incident:
    """研判: category, level and responsible department; the disposal starts at once."""
    incident, target = lock_incident(
        incident, actor=actor, action=Action.ASSESS, expected_version=expected_version
    )
    if category not in Category.values:
        raise DomainError("请选择舆情类别（A–E）。")
    level = _valid_level(category, level)
    if not responsible_department.is_active:
        raise DomainError("所选责任部门已停用。")
    now = clock.now()
    incident.category, incident.level = category, level
    incident.responsible_department = responsible_department
    incident.status, incident.assessed_at, incident.assessed_by = target, now, actor
    incident.disposal_started_at = now
    event = record(
        incident,
        actor=actor,
        history=reason or "研判",
        fields=[
            "category",
            "level",
            "responsible_department",
            "status",
            "assessed_at",
            "assessed_by",
            "disposal_started_at",
        ],
        kind=IncidentEvent.Kind.ASSESSED,
        message=f"研判为{Category(category).label}、{level.label}，责任部门：{responsible_department.name}",
        reason=reason,
        tell=Tell(
            department_members(incident),
            "incident_assessed",
            f"请处置：{incident.number} {incident.title}（{level.label}）",
            f"领导小组办公室已将舆情「{incident.title}」研判为{level.label}，由贵部门负责处置。",
        ),
    )
    _start_level_duties(incident, event, actor=actor)
    return incident


@transaction.atomic
def incident_change_level(
    *, incident: Incident, actor: User, to_level, reason: str = "", expected_version: int | None = None
) -> GradeEscalation:
    """Raise or lower the level; lowering needs a reason; the new level's duties start at once."""
    incident, _ = lock_incident(
        incident, actor=actor, action=Action.CHANGE_LEVEL, expected_version=expected_version
    )
    to_level = _valid_level(incident.category, to_level)
    from_level = Level(incident.level)
    if to_level == from_level:
        raise DomainError(f"舆情已是{from_level.label}，无需调整。")
    reason = (reason or "").strip()
    raising = to_level < from_level
    if not raising and not reason:
        raise DomainError("降低响应级别必须填写理由。")
    escalation = GradeEscalation(
        incident=incident,
        from_level=from_level,
        to_level=to_level,
        reason=reason,
        actor=actor,
        created_at=clock.now(),
    )
    stamp(escalation, actor=actor, reason=reason or "升级")
    escalation.save()
    incident.level = to_level
    event = record(
        incident,
        actor=actor,
        history=f"{'升级' if raising else '降级'}：{reason}",
        fields=["level"],
        kind=IncidentEvent.Kind.LEVEL_CHANGED,
        message=f"响应级别由{from_level.label}{'升为' if raising else '降为'}{to_level.label}",
        reason=reason,
        tell=Tell(
            department_members(incident),
            "level_changed",
            f"等级调整：{incident.number} 现为{to_level.label}",
            f"舆情「{incident.title}」响应级别调整为{to_level.label}。{reason}",
        ),
    )
    _start_level_duties(incident, event, actor=actor)
    return escalation


@transaction.atomic
def incident_reassign(
    *,
    incident: Incident,
    actor: User,
    department: Department,
    reason: str,
    expected_version: int | None = None,
) -> Incident:
    """Move the incident to another responsible department; who can see and act on it moves with it."""
    incident, _ = lock_incident(
        incident, actor=actor, action=Action.REASSIGN, expected_version=expected_version
    )
    reason = require_text(reason, "变更责任部门的理由")
    if department.pk == incident.responsible_department_id:
        raise DomainError("新的责任部门与当前相同。")
    old = incident.responsible_department
    incident.responsible_department = department
    record(
        incident,
        actor=actor,
        history=f"变更责任部门：{reason}",
        fields=["responsible_department"],
        kind=IncidentEvent.Kind.REASSIGNED,
        message=f"责任部门由{old.name}变更为{department.name}",
        reason=reason,
        tell=Tell(
            department_audience(department),
            "incident_reassigned",
            subject(incident, "请处置"),
            f"舆情「{incident.title}」的责任部门已变更为贵部门。理由：{reason}",
        ),
    )
    return incident


@transaction.atomic
def incident_merge(
    *, incident: Incident, into: Incident, actor: User, reason: str = "", expected_version: int | None = None
) -> Incident:
    """A duplicate report joins the incident it repeats; its sources and files stay with it, linked."""
    if incident.pk == into.pk:
        raise DomainError("不能与自身合并。")
    target = Incident.objects.select_for_update().get(pk=into.pk)
    if target.is_read_only:
        raise DomainError(f"{target.number} 已归档或已合并，不能作为合并目标。")
    incident, status = lock_incident(
        incident, actor=actor, action=Action.MERGE, expected_version=expected_version
    )
    incident.status, incident.merged_into = status, target
    record(
        incident,
        actor=actor,
        history=f"合并至 {target.number}",
        fields=["status", "merged_into"],
        kind=IncidentEvent.Kind.MERGED,
        message=f"作为重复上报合并至 {target.number}",
        reason=reason,
        related=target,
    )
    log_event(
        target,
        kind=IncidentEvent.Kind.MERGED,
        actor=actor,
        message=f"合并重复上报 {incident.number}（{incident.reporter.display_name} 上报）",
        reason=reason,
        related=incident,
    )
    return incident


def mark_duty_done(
    incident: Incident, duty: LevelOneDuty, *, actor: User, done_at, method: str, recipient: str, note: str
) -> None:
    """The duty done (a waiver or a release by lowering no longer stands) and its deadline met."""
    duty.done_at, duty.method, duty.recipient, duty.note = done_at, method.strip(), recipient.strip(), note
    duty.recorded_by, duty.recorded_at, duty.cancelled_at = actor, clock.now(), None
    duty.waived_at, duty.waived_by, duty.waive_reason = None, None, ""
    stamp(duty, actor=actor, reason=f"登记：{duty.get_kind_display()}")
    duty.save()
    deadlines.satisfy_duty(incident, duty.kind, actor=actor, reason=f"已登记：{duty.get_kind_display()}")


@transaction.atomic
def level_one_duty_record(
    *,
    incident: Incident,
    actor: User,
    kind: str,
    done_at=None,
    method: str = "",
    recipient: str = "",
    note: str = "",
) -> LevelOneDuty:
    """Record that a level-1 duty was done: when, how and to whom."""
    incident, _ = lock_incident(incident, actor=actor, action=Action.RECORD_DUTY)
    try:
        duty = LevelOneDuty.objects.select_for_update().get(incident=incident, kind=kind)
    except LevelOneDuty.DoesNotExist:
        raise DomainError("该舆情不是一级响应，没有此项一级响应事项。") from None
    now = clock.now()
    done_at = done_at or now
    if done_at > now:
        raise DomainError("完成时间不能晚于当前时间。")
    if kind == LevelOneDuty.Kind.REPORT_SUPERIOR and not (method.strip() and recipient.strip()):
        raise DomainError("向上级主管部门报告须登记报告方式和报告对象。")
    mark_duty_done(
        incident, duty, actor=actor, done_at=done_at, method=method, recipient=recipient, note=note
    )
    record(
        incident,
        actor=actor,
        history=f"登记：{duty.get_kind_display()}",
        kind=IncidentEvent.Kind.DUTY_RECORDED,
        message=f"{duty.get_kind_display()}：{timezone.localtime(done_at):%Y-%m-%d %H:%M} {method} {recipient}".strip(),
        reason=note,
    )
    return duty
