"""第七条: anyone reports what they saw; the report reaches the department and 党群工作部 at once."""

import datetime as dt
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from django.core.files.base import File
from django.db import transaction

from departments.models import Department, User
from departments.roles import Role
from opinion_system import clock
from opinion_system.errors import DomainError, NotAllowed
from opinion_system.stamps import stamp

from .. import access
from ..models import Evidence, Incident, IncidentEvent, IncidentSource, YearCounter
from ..uploads import add_thumbnail, check_upload
from ..workflow import Action
from .common import (
    department_audience,
    lock_incident,
    log_event,
    notify,
    record,
    require_text,
    role_members,
    save_incident,
    subject,
)


def next_number(year: int) -> str:
    """YQ-2026-0001: the counter row is locked so two reports never share a number."""
    counter, _ = YearCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"YQ-{year}-{counter.last:04d}"


def _clean_sources(sources: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    cleaned = []
    for platform, url in sources:
        platform, url = (platform or "").strip(), (url or "").strip()
        if not platform and not url:
            continue
        if len(url) > 2000:
            raise DomainError("网址过长（超过 2000 个字符）。")
        # A source's address is shown and opened by others: only a web address (or one typed without its
        # scheme, e.g. weibo.com/…), never javascript:, data: or the like.
        if urlsplit(url).scheme.lower() not in ("", "http", "https"):
            raise DomainError(f"网址「{url[:50]}」不是网页地址：请填写以 http:// 或 https:// 开头的网址。")
        cleaned.append((platform[:100] or "未注明", url))
    if not cleaned:
        raise DomainError("请至少填写一个舆情所在的媒体名称或网址。")
    return cleaned


@transaction.atomic
def incident_report(
    *,
    reporter: User,
    title: str,
    summary: str,
    discovered_at: dt.datetime,
    sources: Sequence[tuple[str, str]],
    department: Department | None = None,
    files: Sequence = (),
    origin: str = "",
) -> Incident:
    """File a report; it goes to the reporter's department (head, liaisons) and to the office at once.

    `origin` says where the report came from when it is not the reporter's own finding (a monitoring tool's
    线索), kept in the case log's first line."""
    if not access.can_report(reporter):
        raise NotAllowed("请先登录。")
    department = department or reporter.department
    if department is None:
        raise DomainError("请选择上报部门：您的账号尚未关联部门。")
    # 第七条: staff report to their own department; the office, leaders and a department's own people may
    # file for a department they are not members of.
    if department.pk != reporter.department_id and not (
        access.sees_all(reporter) or access.acts_for_department(reporter, department.pk)
    ):
        raise NotAllowed("只能向本部门上报舆情。")
    now = clock.now()
    if discovered_at > now + dt.timedelta(minutes=5):
        raise DomainError("发现时间不能晚于当前时间。")
    title = require_text(title, "标题")[:200]
    summary = require_text(summary, "舆情内容")
    cleaned_sources = _clean_sources(sources)
    checked = [(f, check_upload(f)) for f in files]  # all refused before anything is written
    incident = Incident(
        number=next_number(clock.start_of_local_day(now).year),  # the local (Shanghai) year
        title=title,
        summary=summary,
        reporting_department=department,
        responsible_department=department,
        reporter=reporter,
        discovered_at=discovered_at,
        reported_at=now,
    )
    stamp(incident, actor=reporter, reason="上报舆情")
    incident.save()
    for platform, url in cleaned_sources:
        source = IncidentSource(incident=incident, platform=platform, url=url)
        stamp(source, actor=reporter, reason="上报舆情")
        source.save()
    for upload, result in checked:
        _store_evidence(incident, upload, result, actor=reporter)
    event = log_event(
        incident,
        kind=IncidentEvent.Kind.REPORTED,
        actor=reporter,
        message=f"{reporter.display_name}（{department.name}）上报舆情：{title}"
        + (f"（{origin}）" if origin else ""),
    )
    notify(
        (role_members(Role.OFFICE) + department_audience(department)).without(reporter),
        kind="incident_reported",
        event=event,
        subject=subject(incident, "新舆情上报"),
        text=f"{department.name} {reporter.display_name} 上报舆情「{title}」，请及时研判。",
    )
    return incident


def _store_evidence(incident: Incident, upload, result, *, actor: User) -> Evidence:
    name = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:255]
    evidence = Evidence(
        incident=incident,
        original_name=name,
        content_type=result.content_type,
        size=result.size,
        sha256=result.sha256,
        uploaded_by=actor,
        uploaded_at=clock.now(),
    )
    add_thumbnail(evidence, upload, result.content_type)
    evidence.file.save(f"upload{result.extension}", File(upload), save=False)
    stamp(evidence, actor=actor, reason="上传证据材料")
    evidence.save()
    return evidence


@transaction.atomic
def evidence_add(*, incident: Incident, actor: User, upload) -> Evidence:
    (evidence,) = evidence_add_files(incident=incident, actor=actor, uploads=[upload])
    return evidence


@transaction.atomic
def evidence_add_files(*, incident: Incident, actor: User, uploads: Sequence) -> list[Evidence]:
    """Add several files at once, all or none: one bad file refuses the lot before any is stored, so the
    person resubmitting after the refusal does not store the good ones twice."""
    if not uploads:
        raise DomainError("请选择要上传的文件。")
    checked = [(upload, check_upload(upload)) for upload in uploads]
    incident, _ = lock_incident(incident, actor=actor, action=Action.ADD_EVIDENCE)
    stored = []
    for upload, result in checked:
        evidence = _store_evidence(incident, upload, result, actor=actor)
        log_event(
            incident,
            kind=IncidentEvent.Kind.EVIDENCE_ADDED,
            actor=actor,
            message=f"上传证据材料「{evidence.original_name}」（SHA-256 {evidence.sha256[:12]}…）",
        )
        stored.append(evidence)
    save_incident(incident, actor=actor, reason="上传证据材料", fields=[])
    return stored


@transaction.atomic
def source_add(*, incident: Incident, actor: User, platform: str, url: str) -> IncidentSource:
    incident, _ = lock_incident(incident, actor=actor, action=Action.ADD_SOURCE)
    ((platform, url),) = _clean_sources([(platform, url)])
    source = IncidentSource(incident=incident, platform=platform, url=url)
    stamp(source, actor=actor, reason="补充舆情来源")
    source.save()
    record(
        incident,
        actor=actor,
        history="补充舆情来源",
        kind=IncidentEvent.Kind.EVIDENCE_ADDED,
        message=f"补充来源：{source}",
    )
    return source


def evidence_thumbnails_make() -> tuple[int, int]:
    """Thumbnails for screenshots stored before thumbnails were made at upload (manage.py make_thumbnails);
    returns (made, left without one: unreadable or missing files, which keep their download link only)."""
    made = failed = 0
    pending = Evidence.objects.filter(content_type__startswith="image/", thumbnail="").order_by("id")
    for pk in pending.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            evidence = Evidence.objects.select_for_update().filter(pk=pk, thumbnail="").first()
            if evidence is None:  # made meanwhile by another run
                continue
            try:
                source = evidence.file.open("rb")
            except FileNotFoundError:
                failed += 1
                continue
            with source:
                done = add_thumbnail(evidence, source, evidence.content_type)
            if not done:
                failed += 1
                continue
            stamp(evidence, actor=None, reason="生成缩略图")
            evidence.save(update_fields=["thumbnail"])
            made += 1
    return made, failed
