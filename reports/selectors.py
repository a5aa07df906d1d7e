"""Reads of the work archive: what a dossier prints (as display strings), archived incidents of a period."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from incidents.models import (
    Deadline,
    Incident,
    Level,
    ReplyStatement,
    ReviewMeeting,
    ReviewWaiver,
    Status,
)
from opinion_system import clock

from .models import ArchiveExport, Dossier, DossierVersion
from .pdf.disposal_form import FormData, form_data


def local(moment: dt.datetime | None) -> str:
    """A moment as the college reads it (Beijing time), or "—"."""
    if moment is None:
        return "—"
    return f"{timezone.localtime(moment, timezone.get_default_timezone()):%Y-%m-%d %H:%M}"


def _name(user) -> str:
    return user.display_name if user else "系统"


Rows = tuple[tuple[str, ...], ...]


@dataclasses.dataclass(frozen=True)
class DossierData:
    """Everything a dossier prints except the time it was drawn; hashed to detect later changes."""

    incident_id: int
    number: str
    title: str
    summary: str
    facts: tuple[tuple[str, str], ...]  # (label, value) of the cover
    sources: tuple[str, ...]
    merged_reports: tuple[str, ...]
    form: FormData  # what the 处置表 in the dossier prints (its verification code is computed over the same)
    timeline: Rows  # time, what, message, reason, who
    escalations: Rows  # time, from, to, reason, who
    progress: Rows  # time, who, level then, content
    statements: tuple[tuple[tuple[str, str], ...], ...]  # per version: (label, value) pairs
    deadlines: Rows  # what, due, outcome, done at, notices
    deadline_summary: str
    duties: Rows  # what, done at, how, to whom, note
    evidence: Rows  # file, type, size, uploaded by/at, sha256
    meetings: tuple[tuple[tuple[str, str], ...], ...]
    # 第四条: the joint meetings' decisions and 处置方案 about this incident (meetings.JointDecision)
    joint_decisions: tuple[tuple[tuple[str, str], ...], ...] = ()
    review_waiver: tuple[tuple[str, str], ...] = ()  # 第十四条: the office's reason for holding no 复盘会
    upward_reports: Rows = ()  # 第九条: time, authority, channel, who, content
    contacts: Rows = ()  # 联动: time, counterpart, kind and channel, content, recorded by

    def payload(self) -> bytes:
        fields = dataclasses.asdict(self)
        # Dossiers drawn before joint meetings, review waivers, reports upward and contacts existed hashed no such fields: none recorded,
        # none hashed, so their recorded digest still matches the records.
        for added in ("joint_decisions", "review_waiver", "upward_reports", "contacts"):
            if not fields[added]:
                del fields[added]
        return json.dumps(fields, ensure_ascii=False, sort_keys=True).encode()

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.payload()).hexdigest()


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    return f"{max(n, 1) / 1024:.0f} KB" if n >= 1024 else f"{n} B"


def deadline_outcome(d: Deadline) -> tuple[str, bool]:
    """What became of a deadline, and whether it was missed (met late, or overdue and never met)."""
    if d.state == Deadline.State.MET and d.met_at:
        if d.met_at <= d.due_at:
            return "按时完成", False
        hours = (d.met_at - d.due_at).total_seconds() / 3600
        missed = f"，缺报 {d.misses} 次" if d.misses else ""
        return f"逾期完成（晚 {hours:.1f} 小时{missed}）", True
    if d.state == Deadline.State.MISSED:
        reason = f"（{d.closed_reason}）" if d.closed_reason else ""
        return f"逾期未报，缺报 {d.misses} 次{reason}", True
    if d.state == Deadline.State.MOOT:
        reason = f"（{d.closed_reason}）" if d.closed_reason else ""
        if d.overdue_at:
            return f"逾期未完成，后撤销{reason}", True
        return f"已撤销{reason}", False
    if d.due_at < clock.now():
        return "已逾期，未完成", True
    return "进行中", False


def _statement(s: ReplyStatement) -> tuple[tuple[str, str], ...]:
    rows = [
        ("版本", f"第 {s.number} 版（{s.get_status_display()}）"),
        ("起草", f"{_name(s.author)}，{local(s.created_at)}"),
        ("报送党政办", local(s.submitted_at)),
    ]
    if s.reviewed_by_id:
        verdict = {"approved": "审定通过", "published": "审定通过", "rejected": "退回"}.get(s.status, "审定")
        rows.append(("党政办审定", f"{verdict}：{_name(s.reviewed_by)}，{local(s.reviewed_at)}"))
    if s.review_comment:
        rows.append(("审定意见", s.review_comment))
    if s.published_at:
        rows.append(("发布", f"{local(s.published_at)}，{s.published_where}，{_name(s.published_by)}"))
    rows.append(("通稿内容", s.text))
    return tuple(rows)


def dossier_data(incident: Incident) -> DossierData:
    """Collect the whole record of one incident (about a dozen queries, whatever its size)."""
    incident = Incident.objects.select_related(
        "responsible_department", "reporting_department", "reporter", "assessed_by"
    ).get(pk=incident.pk)
    level = Level(incident.level).label if incident.level else "未研判"
    category = incident.get_category_display() or "未研判"
    facts = (
        ("舆情编号", incident.number),
        ("标题", incident.title),
        ("责任部门", incident.responsible_department.name),
        ("上报部门", incident.reporting_department.name),
        ("上报人", _name(incident.reporter)),
        ("舆情类别", category),
        ("响应级别", level),
        ("发现时间", local(incident.discovered_at)),
        ("上报时间", local(incident.reported_at)),
        (
            "研判",
            f"{local(incident.assessed_at)}，{_name(incident.assessed_by)}" if incident.assessed_at else "—",
        ),
        ("处置开始", local(incident.disposal_started_at)),
        ("处置结束", local(incident.disposal_ended_at)),
        ("审核备案", local(incident.filed_at)),
        ("归档", local(incident.archived_at)),
        ("当前状态", Status(incident.status).label),
    )
    deadlines = list(incident.deadlines.order_by("due_at", "id"))
    outcomes = [deadline_outcome(d) for d in deadlines]
    on_time = sum(1 for d, (_, missed) in zip(deadlines, outcomes, strict=True) if d.met_at and not missed)
    missed = sum(1 for _, is_missed in outcomes if is_missed)
    return DossierData(
        incident_id=incident.pk,
        number=incident.number,
        title=incident.title,
        summary=incident.summary,
        facts=facts,
        sources=tuple(
            "　".join(p for p in (s.platform, s.url) if p) for s in incident.sources.order_by("id")
        ),
        merged_reports=tuple(
            f"{i.number} {i.title}（{local(i.reported_at)} 上报）"
            for i in Incident.objects.filter(merged_into=incident).order_by("reported_at", "id")
        ),
        form=form_data(incident),
        timeline=tuple(
            (local(e.created_at), e.get_kind_display(), e.message, e.reason, _name(e.actor))
            for e in incident.events.select_related("actor").order_by("created_at", "id")
        ),
        escalations=tuple(
            (
                local(g.created_at),
                Level(g.from_level).label,
                Level(g.to_level).label,
                g.reason,
                _name(g.actor),
            )
            for g in incident.escalations.select_related("actor").order_by("created_at", "id")
        ),
        progress=tuple(
            (local(p.created_at), _name(p.author), Level(p.level_at_time).label, p.content)
            for p in incident.progress_reports.select_related("author").order_by("created_at", "id")
        ),
        statements=tuple(
            _statement(s)
            for s in incident.statements.select_related("author", "reviewed_by", "published_by").order_by(
                "number"
            )
        ),
        deadlines=tuple(
            (
                d.get_kind_display(),
                local(d.due_at),
                outcome,
                local(d.met_at),
                str(d.overdue_notices) if d.overdue_notices else "—",
            )
            for d, (outcome, _) in zip(deadlines, outcomes, strict=True)
        ),
        deadline_summary=f"共 {len(deadlines)} 项：按时完成 {on_time} 项，未按时 {missed} 项。",
        duties=tuple(
            (
                d.get_kind_display(),
                local(d.done_at) if d.done_at else _duty_undone(d),
                d.method,
                d.recipient,
                d.note,
            )
            for d in incident.level_one_duties.select_related("waived_by").order_by("id")
        ),
        evidence=tuple(
            (
                e.original_name,
                e.content_type,
                _size(e.size),
                f"{_name(e.uploaded_by)}，{local(e.uploaded_at)}",
                e.sha256,
            )
            for e in incident.evidence.select_related("uploaded_by").order_by("uploaded_at", "id")
        ),
        meetings=tuple(
            (
                ("召开时间", local(m.held_at)),
                ("地点", m.place or "—"),
                ("参会人员", m.attendees),
                ("分析与总结", m.summary),
                ("改进措施", m.improvements or "—"),
                ("记录人", f"{_name(m.recorded_by)}，{local(m.recorded_at)}"),
            )
            for m in incident.review_meetings.select_related("recorded_by").order_by("held_at", "id")
        ),
        joint_decisions=tuple(
            (
                ("会议", f"{d.meeting.get_kind_display()}：{d.meeting.title}"),
                ("召开时间", local(d.meeting.held_at)),
                ("研判意见与决定", d.decision),
                ("处置方案", d.plan or "—"),
            )
            for d in incident.joint_decisions.select_related("meeting").order_by("meeting__held_at", "id")
        ),
        review_waiver=_waiver(incident),
        upward_reports=tuple(
            (
                local(r.reported_at),
                r.authority,
                r.get_channel_display(),
                _name(r.reported_by) if r.reported_by else r.reported_by_text,
                r.content,
            )
            for r in incident.upward_reports.select_related("reported_by").order_by("reported_at", "id")
        ),
        contacts=tuple(
            (
                local(c.contacted_at),
                c.counterpart,
                f"{c.get_kind_display()}，{c.get_channel_display()}",
                c.content,
                _name(c.recorded_by),
            )
            for c in incident.contacts.select_related("recorded_by").order_by("contacted_at", "id")
        ),
    )


def _duty_undone(duty) -> str:
    if duty.waived_at:
        return f"已免除（{_name(duty.waived_by)}，{local(duty.waived_at)}：{duty.waive_reason}）"
    return "已取消" if duty.cancelled_at else "未完成"


def _waiver(incident: Incident) -> tuple[tuple[str, str], ...]:
    waiver = ReviewWaiver.objects.filter(incident=incident).select_related("waived_by").first()
    if waiver is None:
        return ()
    return (("登记", f"{_name(waiver.waived_by)}，{local(waiver.waived_at)}"), ("理由", waiver.reason))


def day_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in Beijing time: a period of calendar days as the college counts."""
    zone = timezone.get_default_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


def archived_between(start: dt.date, end: dt.date) -> QuerySet[Incident]:
    lower, upper = day_bounds(start, end)
    return Incident.objects.filter(
        status=Status.ARCHIVED, archived_at__gte=lower, archived_at__lt=upper
    ).order_by("archived_at", "id")


def dossier_of(incident: Incident) -> Dossier | None:
    return Dossier.objects.filter(incident=incident).select_related("requested_by").first()


def dossier_versions(dossier: Dossier | None) -> list[DossierVersion]:
    """The earlier files of a dossier, newest first (第十四条: an addendum keeps what was archived before)."""
    if dossier is None:
        return []
    return list(dossier.versions.order_by("-generation", "-id"))


def dossier_version_get(*, incident: Incident, pk) -> DossierVersion | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return DossierVersion.objects.filter(pk=pk, dossier__incident=incident).select_related("dossier").first()


def recent_exports(limit: int = 20) -> list[ArchiveExport]:
    return list(ArchiveExport.objects.select_related("requested_by")[:limit])


def archive_summary() -> dict[str, int]:
    """How many incidents are archived and in what state their dossiers are (for the office's archive page)."""
    archived = Incident.objects.filter(status=Status.ARCHIVED)
    by_status = dict(
        Dossier.objects.filter(incident__status=Status.ARCHIVED).values_list("status").annotate(n=Count("id"))
    )
    total = archived.count()
    return {
        "archived": total,
        "done": by_status.get("done", 0),
        "active": by_status.get("pending", 0) + by_status.get("running", 0),
        "failed": by_status.get("failed", 0),
        "missing": total - sum(by_status.values()),
    }


def dossiers_needing_attention(limit: int = 50) -> list[Incident]:
    """Archived incidents whose dossier is missing, failed or still being drawn (2 queries)."""
    return list(
        Incident.objects.filter(status=Status.ARCHIVED)
        .filter(Q(dossier__isnull=True) | ~Q(dossier__status="done"))
        .select_related("dossier", "responsible_department")
        .order_by("-archived_at", "-id")[:limit]
    )


def export_get(*, pk: int) -> ArchiveExport | None:
    return ArchiveExport.objects.select_related("requested_by").filter(pk=pk).first()


def case_library(
    *, cases: QuerySet[Incident], q: str = "", category: str = "", level: int | None = None
) -> QuerySet[Incident]:
    """案例库: archived cases with their review conclusions, newest first; searched in the title and in what
    the review meetings concluded (分析与总结, 改进措施). Three queries a page: count, rows, meetings."""
    if category:
        cases = cases.filter(category=category)
    if level:
        cases = cases.filter(level=level)
    for word in q.split()[:5]:
        concluded = ReviewMeeting.objects.filter(incident=OuterRef("pk")).filter(
            Q(summary__icontains=word) | Q(improvements__icontains=word)
        )
        cases = cases.filter(Q(title__icontains=word) | Q(number__iexact=word) | Exists(concluded))
    return (
        cases.select_related("responsible_department", "review_waiver")
        .prefetch_related(
            Prefetch("review_meetings", queryset=ReviewMeeting.objects.order_by("held_at", "id"))
        )
        .order_by("-archived_at", "-id")
    )
