"""Every write of joint meetings: convene, record the minutes (decisions, risks), mark a risk item done.

Keyword-only, atomic, access-checked, stamped for the history; notices written in the same transaction through
notifications.services (delivered by the sweep, in-app at once).
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from departments.models import Department, User
from incidents.models import Incident, Level, LevelOneDuty
from incidents.services import level_one_duty_record
from incidents.uploads import check_uploads, store_attachments
from notifications.services import Message, build_rows, notice_cancel_unsent_by_key, save_rows
from opinion_system import clock
from opinion_system.errors import DomainError, StaleObject
from opinion_system.forms import EARLIEST, LATEST
from opinion_system.stamps import stamp

from . import access
from .models import JointDecision, JointMeeting, MeetingAttachment, RiskItem

MAX_ATTACHMENTS_PER_SAVE = 10  # the minutes' annexes; more at once is a mistaken selection
MAX_INCIDENTS = 50  # one meeting's agenda; beyond that it is the wrong list
MAX_RISKS = 50


@dataclass(frozen=True)
class DecisionInput:
    incident: Incident
    decision: str
    plan: str = ""


@dataclass(frozen=True)
class RiskInput:
    description: str
    owner: User
    due_on: dt.date


def _text(value: str, what: str, limit: int | None = None, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{what}。")
    if limit and len(value) > limit:
        raise DomainError(f"{what}不能超过 {limit} 个字。")
    return value


def _when(held_at: dt.datetime) -> str:
    return f"{timezone.localtime(held_at):%Y年%m月%d日 %H:%M}"


def _notify_attendees(meeting: JointMeeting, attendees: Sequence[User], *, now: dt.datetime) -> None:
    kind = meeting.get_kind_display()
    message = Message(
        kind="meeting_convened",
        subject=f"【会议通知】{meeting.title}",
        text=f"请于 {_when(meeting.held_at)} 在{meeting.place}参加{kind}。议程：{meeting.agenda}",
        incident=meeting.special_incident,
        key=f"meeting:{meeting.pk}:convened",
        created_at=now,
        link=meeting.page_path,
    )
    save_rows(build_rows(message, [u for u in attendees if u.is_active], actor=meeting.convened_by))


@transaction.atomic
def meeting_convene(
    *,
    actor: User,
    title: str,
    held_at: dt.datetime,
    place: str,
    attendees: Sequence[User],
    agenda: str,
    kind: str = JointMeeting.Kind.JOINT,
    special_incident: Incident | None = None,
    invited_departments: Sequence[Department] = (),
    outside_attendees: str = "",
    incidents: Sequence[Incident] = (),
    uploads: Sequence = (),
) -> JointMeeting:
    """第四条: the office convenes a joint meeting (or a level-1 专题会议); each attendee is told."""
    access.require_convene(actor)
    if kind not in JointMeeting.Kind.values:
        raise DomainError("请选择会议类型：联席会议或专题会议。")
    if held_at is None or not EARLIEST <= timezone.localtime(held_at).date() <= LATEST:
        raise DomainError("请填写会议召开时间（2000 年至 2099 年之间）。")
    attendees = list({u.pk: u for u in attendees}.values())
    if not attendees:
        raise DomainError("请选择参会人员（领导小组成员、列席部门人员）。")
    incidents = list({i.pk: i for i in incidents}.values())
    if kind == JointMeeting.Kind.SPECIAL:
        # 第十条 一级: the special meeting is about one level-1 incident.
        if special_incident is None:
            raise DomainError("专题会议须选择所涉的一级舆情。")
        if special_incident.level != Level.ONE:
            raise DomainError(f"专题会议只为一级舆情召开；{special_incident.number} 不是一级舆情。")
        if special_incident.pk not in {i.pk for i in incidents}:
            incidents.insert(0, special_incident)
    else:
        special_incident = None
    if len(incidents) > MAX_INCIDENTS:
        raise DomainError(f"一次会议最多研究 {MAX_INCIDENTS} 起舆情。")
    checked = check_uploads(uploads, most=MAX_ATTACHMENTS_PER_SAVE)
    now = clock.now()
    meeting = JointMeeting(
        kind=kind,
        special_incident=special_incident,
        title=_text(title, "会议名称", 200),
        held_at=held_at,
        place=_text(place, "会议地点", 200),
        outside_attendees=_text(outside_attendees, "其他参会人员", 2000, required=False),
        agenda=_text(agenda, "会议议程", 5000),
        convened_by=actor,
        convened_at=now,
    )
    stamp(meeting, actor=actor, reason=f"召集{meeting.get_kind_display()}")
    meeting.save()
    meeting.attendees.set(attendees)
    meeting.invited_departments.set(invited_departments)
    meeting.incidents.set(incidents)
    store_attachments(MeetingAttachment, checked, actor=actor, reason="上传会议附件", meeting=meeting)
    _notify_attendees(meeting, attendees, now=now)
    return meeting


@transaction.atomic
def meeting_cancel(
    *, actor: User, meeting: JointMeeting, reason: str, expected_version: int | None = None
) -> JointMeeting:
    """The office calls off a meeting not yet held, saying why; each attendee is told."""
    access.require_convene(actor)
    meeting = JointMeeting.objects.select_for_update().get(pk=meeting.pk)
    if expected_version is not None and meeting.version != expected_version:
        raise StaleObject("该会议在您打开页面后已被他人修改，请刷新页面后再提交。")
    if meeting.status != JointMeeting.Status.CONVENED:
        raise DomainError(f"该会议{meeting.get_status_display()}，不能取消。")
    now = clock.now()
    meeting.status = JointMeeting.Status.CANCELLED
    meeting.cancel_reason = _text(reason, "取消理由", 2000)
    meeting.cancelled_by, meeting.cancelled_at = actor, now
    meeting.version += 1
    stamp(meeting, actor=actor, reason=f"取消{meeting.get_kind_display()}")
    meeting.save()
    message = Message(
        kind="meeting_cancelled",
        subject=f"【会议取消】{meeting.title}",
        text=f"原定于 {_when(meeting.held_at)} 在{meeting.place}召开的{meeting.get_kind_display()}已取消。"
        f"理由：{meeting.cancel_reason}",
        incident=meeting.special_incident,
        key=f"meeting:{meeting.pk}:cancelled",
        created_at=now,
        link=meeting.page_path,
    )
    save_rows(build_rows(message, [u for u in meeting.attendees.all() if u.is_active], actor=actor))
    return meeting


def _record_special_meeting_duty(meeting: JointMeeting, *, actor: User) -> bool:
    """第十条 一级: a 专题会议 held is the level-1 duty 召开专题会议 done (recorded by the incidents service)."""
    incident = meeting.special_incident
    if incident is None:
        return False
    names = "、".join(u.display_name for u in meeting.attendees.order_by("username"))
    try:
        level_one_duty_record(
            incident=incident,
            actor=actor,
            kind=LevelOneDuty.Kind.SPECIAL_MEETING,
            done_at=meeting.held_at,
            method=f"专题会议（{meeting.place}）",
            recipient=names[:300],
            note=f"会议：{meeting.title}",
        )
    except DomainError:
        # The incident was lowered, or is past the stage where duties are recorded: the minutes still stand.
        return False
    return True


@transaction.atomic
def meeting_record_minutes(
    *,
    actor: User,
    meeting: JointMeeting,
    minutes: str,
    decisions: Sequence[DecisionInput] = (),
    risks: Sequence[RiskInput] = (),
    uploads: Sequence = (),
    expected_version: int | None = None,
) -> JointMeeting:
    """The meeting was held: its minutes, a decision and 处置方案 per discussed incident, the risks screened."""
    access.require_convene(actor)
    meeting = (
        JointMeeting.objects.select_for_update(of=("self",))
        .select_related("special_incident")
        .get(pk=meeting.pk)
    )
    if expected_version is not None and meeting.version != expected_version:
        raise StaleObject("该会议在您打开页面后已被他人修改，请刷新页面后再提交。")
    if meeting.status == JointMeeting.Status.CANCELLED:
        raise DomainError("该会议已取消，不能登记纪要。")
    if meeting.status != JointMeeting.Status.CONVENED:
        raise DomainError("该会议的纪要已登记。")
    now = clock.now()
    if meeting.held_at > now:
        raise DomainError(f"会议定于 {_when(meeting.held_at)} 召开，召开后才能登记纪要。")
    minutes = _text(minutes, "会议纪要", 50000)
    discussed = set(meeting.incidents.values_list("pk", flat=True))
    seen: set[int] = set()
    for d in decisions:
        if d.incident.pk not in discussed:
            raise DomainError(f"{d.incident.number} 不在本次会议研究的舆情之中。")
        if d.incident.pk in seen:
            raise DomainError(f"{d.incident.number} 的决定填写了两次。")
        seen.add(d.incident.pk)
    if len(risks) > MAX_RISKS:
        raise DomainError(f"一次最多登记 {MAX_RISKS} 项排查事项。")
    today = timezone.localdate(now)
    for r in risks:
        if r.due_on is None or not today <= r.due_on <= LATEST:
            raise DomainError(f"排查事项的完成期限应在今天（{today:%Y-%m-%d}）之后。")
        if not r.owner.is_active:
            raise DomainError(f"责任人 {r.owner.display_name} 的账号已停用，请另选责任人。")
    checked = check_uploads(uploads, most=MAX_ATTACHMENTS_PER_SAVE)
    for d in decisions:
        decision = JointDecision(
            meeting=meeting,
            incident=d.incident,
            decision=_text(d.decision, f"{d.incident.number} 的研判意见与决定", 10000),
            plan=_text(d.plan, "处置方案", 10000, required=False),
        )
        stamp(decision, actor=actor, reason="登记会议决定")
        decision.save()
    for r in risks:
        risk_item_create(
            actor=actor, meeting=meeting, description=r.description, owner=r.owner, due_on=r.due_on
        )
    store_attachments(MeetingAttachment, checked, actor=actor, reason="上传会议附件", meeting=meeting)
    meeting.minutes, meeting.status = minutes, JointMeeting.Status.HELD
    meeting.minutes_by, meeting.minutes_at = actor, now
    meeting.version += 1
    stamp(meeting, actor=actor, reason="登记会议纪要")
    meeting.save()
    meeting.duty_recorded = _record_special_meeting_duty(meeting, actor=actor)
    return meeting


def first_notice_at(item: RiskItem, now: dt.datetime) -> dt.datetime:
    """The reminder comes RISK_ITEM_REMINDER_MINUTES before the end of the due day (at once if that is past)."""
    remind = item.due_at - dt.timedelta(minutes=settings.RISK_ITEM_REMINDER_MINUTES)
    return max(remind, now)


def risk_item_create(
    *, actor: User, meeting: JointMeeting, description: str, owner: User, due_on
) -> RiskItem:
    """One 隐患排查 item of a meeting, its owner told at once (the reminder chain starts from the due day)."""
    access.require_convene(actor)
    now = clock.now()
    item = RiskItem(
        meeting=meeting,
        description=_text(description, "隐患描述", 5000),
        owner=owner,
        due_on=due_on,
        created_at=now,
    )
    item.next_notice_at = first_notice_at(item, now)
    stamp(item, actor=actor, reason="登记排查事项")
    item.save()
    message = Message(
        kind="risk_assigned",
        subject=f"【排查事项】{meeting.title}",
        text=f"{meeting.get_kind_display()}交办您排查：{item.description}。请于 {due_on:%Y-%m-%d} 前完成并登记。",
        incident=None,
        key=f"risk:{item.pk}:assigned",
        created_at=now,
        link="/meetings/risks/",
    )
    save_rows(build_rows(message, [owner], actor=actor))
    return item


@transaction.atomic
def risk_item_done(*, actor: User, item: RiskItem, note: str) -> RiskItem:
    """The owner reports the item done; its pending notices stop."""
    item = RiskItem.objects.select_for_update().get(pk=item.pk)
    if item.owner_id != actor.pk:
        raise DomainError("只有责任人本人可以办结该排查事项。")
    if item.done_at is not None:
        raise DomainError("该排查事项已办结。")
    now = clock.now()
    item.done_at, item.done_by, item.next_notice_at = now, actor, None
    item.done_note = _text(note, "完成情况", 5000)
    stamp(item, actor=actor, reason="办结排查事项")
    item.save()
    notice_cancel_unsent_by_key(prefix=f"risk:{item.pk}:", now=now)
    return item
