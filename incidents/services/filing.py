"""The 处置表: filled by the department, opinion of the supervising leader, the head's signature, then the
office's review (审核备案: filed, or returned with a comment) and the archive (第十四条)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from departments.models import User
from departments.roles import Role
from opinion_system import clock
from opinion_system.errors import DomainError, StaleObject
from opinion_system.stamps import stamp

from ..models import DisposalForm, Incident, IncidentEvent, ReviewMeeting, ReviewWaiver, Status
from ..signals import archive_amended, incident_archived
from ..workflow import Action
from . import deadlines
from .common import (
    Audience,
    Tell,
    department_members,
    lock_incident,
    log_event,
    record,
    require_text,
    role_members,
    subject,
)

CONTENT_FIELDS = ("team_members", "disposal_situation", "follow_up")


def _form_for(incident: Incident, expected_version: int | None = None) -> DisposalForm:
    form, _ = DisposalForm.objects.select_for_update().get_or_create(incident=incident)
    if expected_version is not None and form.version != expected_version:
        raise StaleObject(
            "处置表在您打开后已被他人修改，请刷新查看最新内容后再保存；您填写的内容仍保留在表单中。"
        )
    return form


def _require_team(incident: Incident, form: DisposalForm) -> None:
    """The form's row 「舆情处置小组人员名单」: the recorded team, or what the department typed."""
    if not form.team_members.strip() and not incident.team_members.exists():
        raise DomainError("请填写舆情处置小组人员名单（或在“处置小组人员名单”中登记成员）。")


def _save_form(form: DisposalForm, *, actor: User, reason: str) -> None:
    form.version += 1
    stamp(form, actor=actor, reason=reason)
    form.save()


@transaction.atomic
def disposal_form_save(
    *,
    incident: Incident,
    actor: User,
    team_members: str,
    disposal_situation: str,
    follow_up: str = "",
    expected_version: int | None = None,
) -> DisposalForm:
    """Save the department's part of the form; a change after the head signed voids the signature."""
    incident, _ = lock_incident(incident, actor=actor, action=Action.EDIT_FORM)
    form = _form_for(incident, expected_version)
    new = {"team_members": team_members, "disposal_situation": disposal_situation, "follow_up": follow_up}
    new = {k: (v or "").strip() for k, v in new.items()}
    changed = [k for k in CONTENT_FIELDS if getattr(form, k) != new[k]]
    if not changed:
        return form
    for key in changed:
        setattr(form, key, new[key])
    message = "修改处置表"
    if form.head_signed_by_id:
        # The head signed a text; a different text needs a new signature.
        form.head_signed_by = form.head_signed_at = None
        message += "（内容已变更，部门负责人需重新签字）"
    _save_form(form, actor=actor, reason=message)
    log_event(incident, kind=IncidentEvent.Kind.FORM_SAVED, actor=actor, message=message)
    return form


@transaction.atomic
def disposal_form_leader_opinion(
    *, incident: Incident, actor: User, opinion: str, expected_version: int | None = None
) -> DisposalForm:
    """报分管领导处置意见: written by the supervising leader (or a member of the leadership group)."""
    incident, _ = lock_incident(incident, actor=actor, action=Action.LEADER_OPINION)
    form = _form_for(incident, expected_version)
    form.leader_opinion = require_text(opinion, "处置意见")
    form.leader_opinion_by, form.leader_opinion_at = actor, clock.now()
    _save_form(form, actor=actor, reason="填写分管领导处置意见")
    deadlines.satisfy_leader_opinion(incident, actor=actor, reason="分管院领导已填写处置意见")
    log_event(
        incident,
        kind=IncidentEvent.Kind.LEADER_OPINION,
        actor=actor,
        message=f"处置意见：{form.leader_opinion}",
    )
    return form


@transaction.atomic
def disposal_form_waive_opinion(
    *, incident: Incident, actor: User, reason: str, expected_version: int | None = None
) -> DisposalForm:
    """The office records why the supervising leader's opinion cannot be had; the form may then be filed."""
    incident, _ = lock_incident(incident, actor=actor, action=Action.WAIVE_OPINION)
    form = _form_for(incident, expected_version)
    if form.leader_opinion.strip():
        raise DomainError("分管院领导已填写处置意见，无需登记免填。")
    form.opinion_waived_reason = require_text(reason, "免填理由")
    form.opinion_waived_by, form.opinion_waived_at = actor, clock.now()
    _save_form(form, actor=actor, reason=f"免填分管领导处置意见：{form.opinion_waived_reason}")
    deadlines.satisfy_leader_opinion(incident, actor=actor, reason="领导小组办公室已登记免填")
    log_event(
        incident,
        kind=IncidentEvent.Kind.OPINION_WAIVED,
        actor=actor,
        message="领导小组办公室登记：本表免填分管院领导处置意见",
        reason=form.opinion_waived_reason,
    )
    return form


@transaction.atomic
def disposal_form_request_signature(
    *, incident: Incident, actor: User, expected_version: int | None = None
) -> DisposalForm:
    """请负责人签字: the department asks its head to sign the form as it stands (报送 waits for his signature)."""
    incident, _ = lock_incident(incident, actor=actor, action=Action.REQUEST_SIGNATURE)
    form = _form_for(incident, expected_version)
    _require_team(incident, form)
    require_text(form.disposal_situation, "舆情处置情况")
    if form.head_signed_by_id:
        raise DomainError("部门负责人已在处置表上签字，无需再请签字。")
    head = incident.responsible_department.head
    if head is None or not head.is_active:
        raise DomainError("本部门尚未设置部门负责人（或该账号已停用），请联系领导小组办公室设置后再请签字。")
    form.signature_requested_by, form.signature_requested_at = actor, clock.now()
    _save_form(form, actor=actor, reason="请负责人签字")
    record(
        incident,
        actor=actor,
        history="请负责人签字",
        kind=IncidentEvent.Kind.SIGNATURE_REQUESTED,
        message=f"已请部门负责人{head.display_name}在处置表上签字",
        tell=Tell(
            Audience((head,)),
            "signature_requested",
            subject(incident, "处置表待您签字"),
            f"{actor.display_name}请您审阅并签署处置表（{incident.responsible_department.name}）；签字后方可报送党群工作部备案。",
        ),
    )
    return form


@transaction.atomic
def disposal_form_sign(
    *, incident: Incident, actor: User, expected_version: int | None = None
) -> DisposalForm:
    """舆情关联部门负责人签字: the head of the responsible department signs the form as it stands."""
    incident, _ = lock_incident(incident, actor=actor, action=Action.SIGN_FORM)
    form = _form_for(incident, expected_version)
    _require_team(incident, form)
    require_text(form.disposal_situation, "舆情处置情况")
    form.head_signed_by, form.head_signed_at = actor, clock.now()
    _save_form(form, actor=actor, reason="部门负责人签字")
    log_event(incident, kind=IncidentEvent.Kind.HEAD_SIGNED, actor=actor, message="部门负责人已签字")
    return form


@transaction.atomic
def disposal_form_submit(
    *, incident: Incident, actor: User, expected_version: int | None = None
) -> DisposalForm:
    """Send the signed form to the office (审核备案); this meets the 12-hour filing deadline.

    expected_version is the incident's, as the page showed it.
    """
    incident, target = lock_incident(
        incident, actor=actor, action=Action.SUBMIT_FORM, expected_version=expected_version
    )
    form = _form_for(incident)
    _require_team(incident, form)
    require_text(form.disposal_situation, "舆情处置情况")
    if not form.head_signed_by_id:
        raise DomainError("处置表须经部门负责人签字后才能报送。")
    now = clock.now()
    form.review_status, form.submitted_by, form.submitted_at = DisposalForm.ReviewStatus.SUBMITTED, actor, now
    _save_form(form, actor=actor, reason="报送处置表")
    deadlines.satisfy_filing(incident, actor=actor)
    incident.status = target
    record(
        incident,
        actor=actor,
        history="报送处置表",
        fields=["status"],
        kind=IncidentEvent.Kind.FORM_SUBMITTED,
        message="处置表已报送党群工作部",
        tell=Tell(
            role_members(Role.OFFICE),
            "form_submitted",
            subject(incident, "待审核备案"),
            f"{incident.responsible_department.name}已报送处置表，请审核备案。",
        ),
    )
    return form


@transaction.atomic
def disposal_form_file(
    *,
    incident: Incident,
    actor: User,
    comment: str = "",
    expected_version: int | None = None,
    expected_form_version: int | None = None,
) -> DisposalForm:
    """审核备案: the office files the form it read.

    expected_version is the incident's and expected_form_version the form's, as the page showed them: a form
    returned, corrected, signed again and resubmitted meanwhile is not filed unread.
    """
    incident, target = lock_incident(
        incident, actor=actor, action=Action.FILE, expected_version=expected_version
    )
    form = _form_for(incident, expected_form_version)
    if not form.has_leader_opinion:
        raise DomainError(
            "处置表尚无「报分管领导处置意见」：须由分管院领导填写，或由领导小组办公室登记免填理由后，才能审核备案。"
        )
    now = clock.now()
    form.review_status, form.reviewed_by, form.reviewed_at = DisposalForm.ReviewStatus.FILED, actor, now
    form.review_comment = (comment or "").strip()
    _save_form(form, actor=actor, reason="审核备案")
    incident.status, incident.filed_at = target, now
    record(
        incident,
        actor=actor,
        history="审核备案",
        fields=["status", "filed_at"],
        kind=IncidentEvent.Kind.FORM_FILED,
        message="处置表审核通过，已备案",
        reason=form.review_comment,
        tell=Tell(
            department_members(incident),
            "form_filed",
            subject(incident, "已备案"),
            "领导小组办公室已审核备案贵部门报送的处置表。",
        ),
    )
    return form


@transaction.atomic
def disposal_form_return(
    *,
    incident: Incident,
    actor: User,
    comment: str,
    expected_version: int | None = None,
    expected_form_version: int | None = None,
) -> DisposalForm:
    """Return the form with a comment the department sees; it is corrected, signed again and resubmitted.

    The versions are checked as for disposal_form_file: the comment answers the form the office read.
    """
    incident, target = lock_incident(
        incident, actor=actor, action=Action.RETURN_FORM, expected_version=expected_version
    )
    comment = require_text(comment, "退回意见")
    form = _form_for(incident, expected_form_version)
    form.review_status, form.reviewed_by, form.reviewed_at = (
        DisposalForm.ReviewStatus.RETURNED,
        actor,
        clock.now(),
    )
    form.review_comment = comment
    _save_form(form, actor=actor, reason=f"退回：{comment}")
    incident.status = target
    record(
        incident,
        actor=actor,
        history=f"退回处置表：{comment}",
        fields=["status"],
        kind=IncidentEvent.Kind.FORM_RETURNED,
        message="处置表退回修改",
        reason=comment,
        tell=Tell(
            department_members(incident),
            "form_returned",
            subject(incident, "处置表被退回"),
            f"领导小组办公室退回处置表，意见：{comment}",
        ),
    )
    return form


REVIEW_MISSING = "归档前须召开复盘会（分析会）并在“记录复盘会”中登记，或由领导小组办公室“登记免于复盘”并说明理由（第十四条）。"


@transaction.atomic
def review_meeting_record(
    *,
    incident: Incident,
    actor: User,
    held_at,
    attendees: str,
    summary: str,
    place: str = "",
    improvements: str = "",
) -> ReviewMeeting:
    """第十四条 复盘/分析会: the office records the meeting held after the incident, for the work archive.

    A meeting held after archiving is added to the archive: the dossier is drawn again, the earlier file kept.
    """
    incident, _ = lock_incident(incident, actor=actor, action=Action.RECORD_REVIEW)
    now = clock.now()
    # The form gives minutes: compare at that precision (a meeting in the minute of the report is fine).
    if held_at > now + dt.timedelta(minutes=1):
        raise DomainError("召开时间不能晚于当前时间。")
    if held_at < incident.reported_at.replace(second=0, microsecond=0):
        raise DomainError("复盘会不能早于舆情上报时间。")
    addendum = incident.status == Status.ARCHIVED
    meeting = ReviewMeeting(
        incident=incident,
        held_at=held_at,
        place=(place or "").strip(),
        attendees=require_text(attendees, "参会人员"),
        summary=require_text(summary, "分析与总结"),
        improvements=(improvements or "").strip(),
        recorded_by=actor,
        recorded_at=now,
    )
    stamp(meeting, actor=actor, reason="归档后补记复盘会" if addendum else "记录复盘会")
    meeting.save()
    when = f"{timezone.localtime(held_at):%Y-%m-%d %H:%M} {meeting.place}".strip()
    record(
        incident,
        actor=actor,
        history="归档后补记复盘会" if addendum else "记录复盘会",
        kind=IncidentEvent.Kind.REVIEW_MEETING,
        message=f"归档后补记复盘会：{when}，工作档案将重新生成（原档案保留）"
        if addendum
        else f"复盘会：{when}",
    )
    if addendum:
        # The work archive (reports) draws the dossier again in this transaction's wake, keeping the old file.
        archive_amended.send(sender=Incident, incident=incident, actor=actor, reason="归档后补记复盘会")
    return meeting


@transaction.atomic
def review_waive(
    *, incident: Incident, actor: User, reason: str, expected_version: int | None = None
) -> ReviewWaiver:
    """第十四条: the office records why no review meeting is held, so the case may be archived without one."""
    incident, _ = lock_incident(
        incident, actor=actor, action=Action.WAIVE_REVIEW, expected_version=expected_version
    )
    reason = require_text(reason, "免于复盘的理由")
    if incident.review_meetings.exists():
        raise DomainError("该舆情已记录复盘会，无需登记免于复盘。")
    if ReviewWaiver.objects.filter(incident=incident).exists():
        raise DomainError("该舆情已登记免于复盘。")
    waiver = ReviewWaiver(incident=incident, reason=reason, waived_by=actor, waived_at=clock.now())
    stamp(waiver, actor=actor, reason="登记免于复盘")
    waiver.save()
    record(
        incident,
        actor=actor,
        history="登记免于复盘",
        kind=IncidentEvent.Kind.REVIEW_WAIVED,
        message="领导小组办公室登记免于复盘",
        reason=reason,
    )
    return waiver


def review_settled(incident: Incident) -> bool:
    """第十四条: a review meeting is recorded, or the office waived it with a reason."""
    return incident.review_meetings.exists() or ReviewWaiver.objects.filter(incident=incident).exists()


@transaction.atomic
def incident_archive(
    *, incident: Incident, actor: User, note: str = "", expected_version: int | None = None
) -> Incident:
    """第十四条: the office closes the case into the work archive; from now on it is read-only.

    The dossier (工作档案 PDF) is requested in the same transaction (by the work archive, listening to
    `incident_archived`), so it is never forgotten: its row is the record, and the job that draws it is queued
    once the archive is committed.
    """
    incident, target = lock_incident(
        incident, actor=actor, action=Action.ARCHIVE, expected_version=expected_version
    )
    if not review_settled(incident):
        raise DomainError(REVIEW_MISSING)
    incident.status, incident.archived_at = target, clock.now()
    deadlines.moot_all(incident, actor=actor, reason="已归档")
    record(
        incident,
        actor=actor,
        history="归档",
        fields=["status", "archived_at"],
        kind=IncidentEvent.Kind.ARCHIVED,
        message="已归档，形成工作档案",
        reason=note,
    )
    # send, not send_robust: a receiver's failure rolls the archive back; no archive is left without a dossier.
    incident_archived.send(sender=Incident, incident=incident, actor=actor)
    return incident
