"""一级响应 that holds (第九条、第十条): waiving a duty, the reports to the superior authority (续报 included) and the
contacts with mainstream media and related departments (联动应对)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from departments.models import User
from opinion_system import clock
from opinion_system.errors import DomainError
from opinion_system.stamps import stamp

from ..models import ContactLog, Incident, IncidentEvent, Level, LevelOneDuty, UpwardReport
from ..workflow import Action
from . import deadlines
from .assessment import mark_duty_done
from .common import lock_incident, record, require_text


def open_duties(incident: Incident) -> list[LevelOneDuty]:
    """The level-1 duties still required: neither done, nor waived, nor released by lowering the level."""
    return [d for d in incident.level_one_duties.order_by("id") if d.is_open]


def open_duties_refusal(duties) -> str | None:
    """Why a level-1 disposal cannot end yet (第十条 一级), naming the open duties; None when it can."""
    missing = [d.get_kind_display() for d in duties if d.is_open]
    if not missing:
        return None
    return f"一级舆情须完成以下一级响应事项（或由领导小组办公室登记免除理由）后才能结束处置：{'、'.join(missing)}。"


def _past(moment: dt.datetime | None, what: str) -> dt.datetime:
    now = clock.now()
    moment = moment or now
    if moment > now:
        raise DomainError(f"{what}不能晚于当前时间。")
    return moment


@transaction.atomic
def level_one_duty_waive(*, incident: Incident, actor: User, kind: str, reason: str) -> LevelOneDuty:
    """The office releases a level-1 duty with its reason; its deadline closes and the disposal may end."""
    incident, _ = lock_incident(incident, actor=actor, action=Action.WAIVE_DUTY)
    reason = require_text(reason, "免除理由")
    duty = LevelOneDuty.objects.select_for_update().filter(incident=incident, kind=kind).first()
    if duty is None:
        raise DomainError("该舆情不是一级响应，没有此项一级响应事项。")
    if not duty.is_open:
        raise DomainError(f"「{duty.get_kind_display()}」已完成或已免除，无需再免除。")
    duty.waived_at, duty.waived_by, duty.waive_reason = clock.now(), actor, reason
    stamp(duty, actor=actor, reason=f"免除：{duty.get_kind_display()}")
    duty.save()
    deadlines.moot_duty(incident, kind, actor=actor, reason=f"领导小组办公室免除：{reason}")
    record(
        incident,
        actor=actor,
        history=f"免除：{duty.get_kind_display()}",
        kind=IncidentEvent.Kind.DUTY_WAIVED,
        message=f"免除一级响应事项「{duty.get_kind_display()}」",
        reason=reason,
    )
    return duty


@transaction.atomic
def upward_report_add(
    *,
    incident: Incident,
    actor: User,
    authority: str,
    channel: str,
    content: str,
    reported_at: dt.datetime | None = None,
    reported_by: User | None = None,
    reported_by_text: str = "",
) -> UpwardReport:
    """向上级网络舆情主管部门报告 (第九条): the first report records the duty done and meets its deadline;
    the later ones are 续报."""
    incident, _ = lock_incident(incident, actor=actor, action=Action.REPORT_UPWARD)
    duty = (
        LevelOneDuty.objects.select_for_update()
        .filter(incident=incident, kind=LevelOneDuty.Kind.REPORT_SUPERIOR)
        .first()
    )
    if incident.level != Level.ONE and duty is None:
        raise DomainError("只有一级舆情需要向上级网络舆情主管部门报告。")
    authority = require_text(authority, "上级网络舆情主管部门名称")[:200]
    content = require_text(content, "报告内容")
    if channel not in UpwardReport.Channel.values:
        raise DomainError("请选择报告方式。")
    reported_by_text = (reported_by_text or "").strip()[:200]
    if reported_by is None and not reported_by_text:
        reported_by = actor  # who records it reported it, unless someone else is named
    reported_at = _past(reported_at, "报告时间")
    now = clock.now()
    report = UpwardReport(
        incident=incident, authority=authority, channel=channel, reported_at=reported_at,
        reported_by=reported_by, reported_by_text=reported_by_text, content=content,
        recorded_by=actor, recorded_at=now,
    )  # fmt: skip
    follow_up = incident.upward_reports.exists()
    stamp(report, actor=actor, reason="续报" if follow_up else "向上级报告")
    report.save()
    if duty is not None and duty.done_at is None:
        mark_duty_done(
            incident, duty, actor=actor, done_at=reported_at, method=report.get_channel_display(),
            recipient=authority, note="见向上级报告记录",
        )  # fmt: skip
    label = "续报" if follow_up else "向上级报告"
    record(
        incident,
        actor=actor,
        history=label,
        kind=IncidentEvent.Kind.UPWARD_REPORTED,
        message=f"{label}：{timezone.localtime(reported_at):%Y-%m-%d %H:%M} 以{report.get_channel_display()}"
        f"向{authority}报告（{report.reporter_name}）",
        reason=content[:500],
    )
    return report


@transaction.atomic
def contact_log_add(
    *,
    incident: Incident,
    actor: User,
    counterpart: str,
    kind: str,
    channel: str,
    content: str,
    contacted_at: dt.datetime | None = None,
) -> ContactLog:
    """联动应对 (第九条): a contact with mainstream media or a related department, recorded on the case."""
    incident, _ = lock_incident(incident, actor=actor, action=Action.RECORD_CONTACT)
    counterpart = require_text(counterpart, "联系对象（姓名/单位）")[:200]
    content = require_text(content, "联系内容")
    if kind not in ContactLog.Kind.values:
        raise DomainError("请选择联系对象类别（主流媒体、相关部门或其他）。")
    if channel not in ContactLog.Channel.values:
        raise DomainError("请选择联系方式。")
    contacted_at = _past(contacted_at, "联系时间")
    contact = ContactLog(
        incident=incident, counterpart=counterpart, kind=kind, channel=channel, contacted_at=contacted_at,
        content=content, recorded_by=actor, recorded_at=clock.now(),
    )  # fmt: skip
    stamp(contact, actor=actor, reason="登记联动联系")
    contact.save()
    record(
        incident,
        actor=actor,
        history="登记联动联系",
        kind=IncidentEvent.Kind.CONTACT_RECORDED,
        message=f"{timezone.localtime(contacted_at):%Y-%m-%d %H:%M} 以{contact.get_channel_display()}联系"
        f"{contact.get_kind_display()}：{counterpart}",
        reason=content[:500],
    )
    return contact
