"""Every write of 线索: receiving a pushed item, and the office's three judgements of it.

A lead becomes an incident only through incidents' own services (incident_report, source_add,
evidence_add_files), in the same transaction as the lead's own change, so an incident is never filed from a lead
that someone else judged meanwhile, and a refused report leaves the lead waiting.
"""

import datetime as dt
from collections.abc import Sequence

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from departments.models import Department, User
from departments.roles import Role
from departments.selectors import users_with_role
from incidents import services as incident_services
from incidents.models import Incident
from incidents.models.incident import web_href
from incidents.uploads import check_uploads, store_attachments
from notifications.services import Message, build_rows, save_rows
from opinion_system import clock
from opinion_system.errors import DomainError, StaleObject
from opinion_system.forms import EARLIEST, OUT_OF_RANGE
from opinion_system.stamps import stamp

from . import access
from .models import Lead, LeadScreenshot, url_key

# A tool may attach a few captures of one item; more is a tool gone wrong, not evidence.
MAX_SCREENSHOTS = 5
# A pushed time this far ahead of the server's clock is a tool's clock gone wrong (or a forged time).
CLOCK_SKEW = dt.timedelta(minutes=5)


def _text(value: str, label: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(f"请填写{label}。")
    if len(value) > limit:
        raise DomainError(f"{label}过长（超过 {limit} 个字符）。")
    return value


def _check_url(url: str) -> str:
    url = _text(url, "网址", 2000, required=False)
    if url and not web_href(url):
        raise DomainError(f"网址「{url[:50]}」不是网页地址：请提供以 http:// 或 https:// 开头的网址。")
    return url


def lead_receive(
    *,
    submitted_by: User,
    platform: str,
    url: str,
    title: str,
    text: str,
    captured_at: dt.datetime,
    source_system: str,
    external_id: str = "",
    screenshot=None,
    screenshots: Sequence = (),
) -> tuple[Lead, bool]:
    """Take a detected item into the inbox; (lead, created).

    The same item again — the same address, or the same id in the same source system — is the lead already
    there: it counts one more sighting and keeps what the office decided. The office is told of a new lead only.
    """
    access.require_push(submitted_by)
    platform = _text(platform, "平台", 100)
    title = _text(title, "标题", 200)
    text = _text(text, "内容", 20000, required=False)
    source_system = _text(source_system, "来源系统", 100)
    external_id = _text(external_id, "来源系统编号", 200, required=False)
    url = _check_url(url)
    if not url and not external_id:
        raise DomainError("请至少提供网址或来源系统编号，以便识别重复推送。")
    now = clock.now()
    if captured_at > now + CLOCK_SKEW:
        raise DomainError("发现时间不能晚于当前时间。")
    # The forms' range for a date (2000–2099): a year 882 is a tool's bug, and before 1901 Asia/Shanghai's
    # offset is local mean time (+08:05:43), which no reader of ISO 8601 expects.
    if timezone.localtime(captured_at).date() < EARLIEST:
        raise DomainError(OUT_OF_RANGE.format(label="发现时间"))
    files = [*([screenshot] if screenshot else []), *screenshots]
    checked = check_uploads(files, most=MAX_SCREENSHOTS)  # refused before anything is written
    key = url_key(url)
    existing = _seen_again(key, source_system, external_id, now)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            lead = Lead(
                platform=platform,
                url=url,
                url_key=key,
                title=title,
                text=text,
                captured_at=captured_at,
                source_system=source_system,
                external_id=external_id,
                submitted_by=submitted_by,
                received_at=now,
                last_seen_at=now,
            )
            stamp(lead, actor=submitted_by, reason="推送线索")
            lead.save()
            store_attachments(LeadScreenshot, checked, actor=submitted_by, reason="推送线索截图", lead=lead)
            _tell_office(lead)
    except IntegrityError:
        # Pushed twice at the same moment: the other push wrote it first (the unique constraints decide).
        existing = _seen_again(key, source_system, external_id, now)
        if existing is None:
            raise
        return existing, False
    return lead, True


def _seen_again(key: str, source_system: str, external_id: str, now: dt.datetime) -> Lead | None:
    match = None
    if external_id:
        match = Lead.objects.filter(source_system=source_system, external_id=external_id).first()
    if match is None and key:
        match = Lead.objects.filter(url_key=key).first()
    if match is None:
        return None
    # A counter, not history: a sighting changes nothing the office decided.
    Lead.objects.filter(pk=match.pk).update(times_seen=F("times_seen") + 1, last_seen_at=now)
    match.refresh_from_db(fields=["times_seen", "last_seen_at"])
    return match


def _tell_office(lead: Lead) -> None:
    message = Message(
        kind="lead_received",
        subject=f"新线索：{lead.title}"[:200],
        text=f"{lead.source_system} 推送线索「{lead.title}」（{lead.platform}），请研判是否作为舆情处置。",
        incident=None,
        key=f"lead_received:l{lead.pk}",
        created_at=lead.received_at,
        link=reverse("leads:detail", args=[lead.pk]),
    )
    save_rows(build_rows(message, users_with_role(Role.OFFICE), actor=lead.submitted_by))


def _lock_open(lead: Lead, actor: User) -> Lead:
    access.require_handle(actor)
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if not locked.is_open:
        who = locked.handled_by.display_name if locked.handled_by else "他人"
        raise StaleObject(f"这条线索已由 {who} 处理（{locked.get_status_display()}），无需再次处理。")
    return locked


def _screenshot_files(lead: Lead) -> list[File]:
    return [File(shot.file.open("rb"), name=shot.original_name) for shot in lead.screenshots.all()]


def _close(files: list[File]) -> None:
    for handle in files:
        handle.close()


@transaction.atomic
def lead_promote(
    *,
    lead: Lead,
    actor: User,
    title: str,
    summary: str,
    discovered_at: dt.datetime,
    sources: Sequence[tuple[str, str]],
    department: Department | None = None,
    files: Sequence = (),
) -> Incident:
    """转为舆情: file a report from the lead (the office's edits of it), its screenshots as evidence."""
    locked = _lock_open(lead, actor)
    captured = _screenshot_files(locked)
    try:
        incident = incident_services.incident_report(
            reporter=actor,
            title=title,
            summary=summary,
            discovered_at=discovered_at,
            sources=sources,
            department=department,
            files=[*files, *captured],
            origin=_origin(locked),
        )
    finally:
        _close(captured)
    _judge(locked, actor=actor, status=Lead.Status.PROMOTED, incident=incident, reason="线索转为舆情")
    return incident


def _origin(lead: Lead) -> str:
    """Where a lead came from, as the case log says it (第七条: the technical monitoring found it)."""
    number = f" {lead.external_id}" if lead.external_id else ""
    return f"由线索转为舆情：{lead.source_system}{number}，{lead.platform}"


@transaction.atomic
def lead_merge(*, lead: Lead, into: Incident, actor: User) -> Incident:
    """并入舆情: the lead repeats an incident already handled; its address and captures join that incident."""
    locked = _lock_open(lead, actor)
    if into.is_read_only:
        raise DomainError(f"{into.number} 已归档或已合并，不能并入；请选择仍在处置中的舆情。")
    if locked.url and not into.sources.filter(url=locked.url).exists():
        incident_services.source_add(incident=into, actor=actor, platform=locked.platform, url=locked.url)
    captured = _screenshot_files(locked)
    try:
        if captured:
            incident_services.evidence_add_files(incident=into, actor=actor, uploads=captured)
    finally:
        _close(captured)
    _judge(locked, actor=actor, status=Lead.Status.MERGED, incident=into, reason=f"线索并入 {into.number}")
    return into


@transaction.atomic
def lead_dismiss(*, lead: Lead, actor: User, reason: str) -> Lead:
    """排除: not an incident of ours (an advertisement, another school's news, already answered), with why."""
    reason = _text(reason, "排除理由", 2000)
    locked = _lock_open(lead, actor)
    locked.dismiss_reason = reason
    _judge(locked, actor=actor, status=Lead.Status.DISMISSED, incident=None, reason="排除线索")
    return locked


def _judge(lead: Lead, *, actor: User, status: str, incident: Incident | None, reason: str) -> None:
    lead.status, lead.incident = status, incident
    lead.handled_by, lead.handled_at = actor, clock.now()
    stamp(lead, actor=actor, reason=reason)
    lead.save()
