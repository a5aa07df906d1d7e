"""处置 (第十条): progress reports, reply statements approved by 党政办, and the end of the disposal."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from departments.models import User
from departments.roles import Role
from opinion_system import clock
from opinion_system.errors import DomainError, StaleObject
from opinion_system.stamps import stamp

from .. import rules
from ..models import DisposalForm, Incident, IncidentEvent, Level, ProgressReport, ReplyStatement
from ..workflow import Action
from . import deadlines
from .common import (
    Audience,
    Tell,
    department_members,
    lock_incident,
    notify,
    record,
    require_text,
    role_members,
    subject,
)
from .level_one import open_duties, open_duties_refusal

APPROVED_STATES = (ReplyStatement.Status.APPROVED, ReplyStatement.Status.PUBLISHED)


@transaction.atomic
def progress_report_add(
    *, incident: Incident, actor: User, content: str, expected_version: int | None = None
) -> ProgressReport:
    """互通信息: meets the open daily / round-the-clock deadline and starts the next one."""
    incident, _ = lock_incident(
        incident, actor=actor, action=Action.REPORT_PROGRESS, expected_version=expected_version
    )
    content = require_text(content, "进展情况")
    report = ProgressReport(
        incident=incident, author=actor, content=content, level_at_time=incident.level, created_at=clock.now()
    )
    stamp(report, actor=actor, reason="报送互通信息")
    report.save()
    deadlines.satisfy_exchange(incident, actor=actor)
    # 第十条 一级: the units exchange with the leadership group itself round the clock, not only its office.
    audience = (
        role_members(Role.OFFICE, Role.LEADERSHIP)
        if incident.level == Level.ONE
        else role_members(Role.OFFICE)
    )
    record(
        incident,
        actor=actor,
        history="报送互通信息",
        kind=IncidentEvent.Kind.PROGRESS_REPORTED,
        message=content[:500],
        tell=Tell(audience, "progress_reported", subject(incident, "互通信息"), content[:500]),
    )
    return report


def _lock_statement(statement: ReplyStatement, expected_version: int | None = None) -> ReplyStatement:
    locked = ReplyStatement.objects.select_for_update().get(pk=statement.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleObject("该版本通稿已被他人修改，请刷新后再提交；您填写的内容仍保留在表单中。")
    return locked


@transaction.atomic
def statement_save_draft(
    *,
    incident: Incident,
    actor: User,
    text: str,
    statement: ReplyStatement | None = None,
    expected_version: int | None = None,
) -> ReplyStatement:
    """Edit a draft, or start a new version (after a rejection, or to replace an approved text)."""
    incident, _ = lock_incident(incident, actor=actor, action=Action.DRAFT_STATEMENT)
    text = require_text(text, "通稿内容")
    if statement is not None:
        statement = _lock_statement(statement, expected_version)
        if statement.incident_id != incident.pk:
            raise DomainError("通稿不属于该舆情。")
        if statement.status != ReplyStatement.Status.DRAFT:
            raise DomainError("该版本已报送，不能再修改；请另起新版本。")
        statement.text, statement.version = text, statement.version + 1
        stamp(statement, actor=actor, reason="修改通稿草稿")
        statement.save()
        return statement
    if incident.statements.filter(status=ReplyStatement.Status.SUBMITTED).exists():
        raise DomainError("已有版本正在等待党政办审定，请等待审定结果后再起草新版本。")
    if incident.statements.filter(status=ReplyStatement.Status.DRAFT).exists():
        raise DomainError("已有未报送的草稿，请在该草稿上修改。")
    number = (incident.statements.aggregate(n=Max("number"))["n"] or 0) + 1
    statement = ReplyStatement(
        incident=incident, number=number, text=text, author=actor, created_at=clock.now()
    )
    stamp(statement, actor=actor, reason=f"起草通稿第{number}版")
    statement.save()
    record(
        incident,
        actor=actor,
        history=f"起草通稿第{number}版",
        kind=IncidentEvent.Kind.STATEMENT_DRAFTED,
        message=f"起草回复通稿第{number}版",
    )
    return statement


@transaction.atomic
def statement_submit(*, statement: ReplyStatement, actor: User) -> ReplyStatement:
    """Send a draft to 党政办 for approval (第十条 二级: 由党政办审定)."""
    incident, _ = lock_incident(statement.incident, actor=actor, action=Action.DRAFT_STATEMENT)
    statement = _lock_statement(statement)
    if statement.status != ReplyStatement.Status.DRAFT:
        raise DomainError("只有草稿可以报送审定。")
    statement.status, statement.submitted_at = ReplyStatement.Status.SUBMITTED, clock.now()
    stamp(statement, actor=actor, reason="报送党政办审定")
    statement.save()
    deadlines.start_statement_review(incident, actor=actor)
    record(
        incident,
        actor=actor,
        history="报送通稿",
        kind=IncidentEvent.Kind.STATEMENT_SUBMITTED,
        message=f"回复通稿第{statement.number}版报送党政办审定",
        tell=Tell(
            role_members(Role.ADMIN_OFFICE),
            "statement_submitted",
            subject(incident, "待审定回复通稿", statement_number=statement.number),
            f"{incident.responsible_department.name}报送舆情「{incident.title}」的回复通稿，请审定。",
        ),
    )
    return statement


def _review(statement: ReplyStatement, *, actor: User, approve: bool, comment: str) -> ReplyStatement:
    incident, _ = lock_incident(statement.incident, actor=actor, action=Action.REVIEW_STATEMENT)
    statement = _lock_statement(statement)
    if statement.status != ReplyStatement.Status.SUBMITTED:
        raise DomainError("该版本通稿不在待审定状态（可能已被审定或撤回）。")
    statement.status = ReplyStatement.Status.APPROVED if approve else ReplyStatement.Status.REJECTED
    statement.reviewed_by, statement.reviewed_at, statement.review_comment = actor, clock.now(), comment
    verb = "审定通过" if approve else "退回修改"
    stamp(statement, actor=actor, reason=verb)
    statement.save()
    deadlines.satisfy_statement_review(incident, actor=actor)
    record(
        incident,
        actor=actor,
        history=f"通稿{verb}",
        kind=IncidentEvent.Kind.STATEMENT_APPROVED if approve else IncidentEvent.Kind.STATEMENT_REJECTED,
        message=f"党政办{verb}回复通稿第{statement.number}版",
        reason=comment,
        tell=Tell(
            department_members(incident),
            "statement_reviewed",
            subject(incident, f"回复通稿{verb}", statement_number=statement.number),
            f"党政办{verb}舆情「{incident.title}」的回复通稿第{statement.number}版。{comment}",
        ),
    )
    return statement


@transaction.atomic
def statement_approve(*, statement: ReplyStatement, actor: User, comment: str = "") -> ReplyStatement:
    return _review(statement, actor=actor, approve=True, comment=(comment or "").strip())


@transaction.atomic
def statement_reject(*, statement: ReplyStatement, actor: User, comment: str) -> ReplyStatement:
    return _review(statement, actor=actor, approve=False, comment=require_text(comment, "退回意见"))


@transaction.atomic
def statement_publish(
    *, statement: ReplyStatement, actor: User, where: str, published_at: dt.datetime | None = None
) -> ReplyStatement:
    """Record where and when an approved statement answered the source; never before approval."""
    incident, _ = lock_incident(statement.incident, actor=actor, action=Action.PUBLISH_STATEMENT)
    statement = _lock_statement(statement)
    if statement.status != ReplyStatement.Status.APPROVED:
        raise DomainError("回复通稿须经党政办审定后才能发布。")
    now = clock.now()
    published_at = published_at or now
    if published_at > now:
        raise DomainError("发布时间不能晚于当前时间。")
    if statement.reviewed_at and published_at < statement.reviewed_at:
        raise DomainError("发布时间不能早于党政办审定时间。")
    statement.status = ReplyStatement.Status.PUBLISHED
    statement.published_at, statement.published_by = published_at, actor
    statement.published_where = require_text(where, "发布渠道或回应对象")[:300]
    stamp(statement, actor=actor, reason="登记发布")
    statement.save()
    record(
        incident,
        actor=actor,
        history="通稿发布",
        kind=IncidentEvent.Kind.STATEMENT_PUBLISHED,
        message=f"回复通稿第{statement.number}版已发布：{statement.published_where}",
    )
    return statement


@transaction.atomic
def disposal_end(
    *, incident: Incident, actor: User, summary: str = "", expected_version: int | None = None
) -> Incident:
    """End the disposal: the filing clock starts; at the levels that need one, only with an approved statement."""
    incident, target = lock_incident(
        incident, actor=actor, action=Action.END_DISPOSAL, expected_version=expected_version
    )
    if (
        rules.statement_required_to_end(incident.level)
        and not incident.statements.filter(status__in=APPROVED_STATES).exists()
    ):
        raise DomainError(f"{Level(incident.level).label}须有经党政办审定的回复通稿，才能结束处置。")
    if incident.level == Level.ONE and (refusal := open_duties_refusal(open_duties(incident))):
        raise DomainError(refusal)
    now = clock.now()
    incident.status, incident.disposal_ended_at = target, now
    # The deadlines read the new status and end time from the incident in hand, before it is saved.
    deadlines.replan_exchange(incident, actor=actor, reason="处置结束，停止互通信息计时")
    filing = deadlines.start_filing(incident, actor=actor)
    opinion_given = DisposalForm.objects.filter(incident=incident).exclude(leader_opinion="").exists()
    if not opinion_given:
        deadlines.start_leader_opinion(incident, actor=actor)
    event = record(
        incident,
        actor=actor,
        history="处置结束",
        fields=["status", "disposal_ended_at"],
        kind=IncidentEvent.Kind.DISPOSAL_ENDED,
        message=f"处置结束；请于 {filing.due_at.astimezone(clock.start_of_local_day(now).tzinfo):%m月%d日 %H:%M}"
        " 前将处置表报领导小组办公室（党群工作部）备案",
        reason=summary,
        tell=Tell(
            role_members(Role.OFFICE),
            "disposal_ended",
            subject(incident, "处置结束"),
            f"{incident.responsible_department.name}已结束舆情「{incident.title}」的处置，处置表应在{rules.FILING_HOURS}小时内报送。",
        ),
    )
    if not opinion_given:
        _ask_leader_opinion(incident, event)
    return incident


def _ask_leader_opinion(incident: Incident, event: IncidentEvent) -> None:
    """报分管领导处置意见 is asked of the supervising leader when the disposal ends (filing needs it)."""
    leader = incident.responsible_department.supervising_leader
    due = f"{timezone.localtime(event.created_at + dt.timedelta(hours=settings.LEADER_OPINION_HOURS)):%m月%d日 %H:%M}"
    if leader is not None and leader.is_active:
        notify(
            Audience((leader,)),
            kind="opinion_requested",
            event=event,
            subject=subject(incident, "请填写处置意见"),
            text=f"{incident.responsible_department.name}已结束处置，请于 {due} 前在处置表中填写「报分管领导处置意见」。",
        )
        return
    notify(
        role_members(Role.OFFICE),
        kind="opinion_requested",
        event=event,
        subject=subject(incident, "无分管院领导填写处置意见"),
        text=f"{incident.responsible_department.name}未设置分管院领导：请由领导小组成员填写处置意见，或登记免填理由。",
    )
