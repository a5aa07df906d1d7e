"""自贡职业技术学院网络舆情处置表 (附件): what it prints, the verification code, the cache."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import salted_hmac

from incidents.models import Category, DisposalForm, DisposalTeamMember, Incident, Level, team_text

from . import engine

logger = logging.getLogger(__name__)

TITLE = "自贡职业技术学院网络舆情处置表"
TEMPLATE = "reports/pdf/disposal_form.html"
BODY_TEMPLATE = "reports/pdf/_disposal_form_body.html"  # the form itself, shared with the work archive
STYLESHEET = "reports/disposal_form.css"
CACHE_SECONDS = int(getattr(settings, "REPORTS_PDF_CACHE_SECONDS", 7 * 24 * 3600))
CACHE_PREFIX = "reports:disposal-form"
# The official options in the official order and grouping (A B / C D / E; A B C for the levels).
CATEGORY_LINES = (("A", "B"), ("C", "D"), ("E",))
LEVEL_OPTIONS = ((Level.THREE, "A."), (Level.TWO, "B."), (Level.ONE, "C."))


@dataclasses.dataclass(frozen=True)
class FormData:
    """Everything the form prints, as display strings: drawing it needs no database."""

    incident_id: int | None = None
    incident_version: int = 0
    form_version: int = 0
    number: str = ""
    department: str = ""
    discovered_at: str = ""
    sources: tuple[str, ...] = ()
    category: str = ""
    level: int | None = None
    team_members: str = ""
    disposal_situation: str = ""
    leader_opinion: str = ""
    leader_opinion_by: str = ""
    leader_opinion_at: str = ""
    follow_up: str = ""
    head_signed_by: str = ""
    signed_date: tuple[int, int, int] | None = None

    @property
    def blank(self) -> bool:
        return self.incident_id is None

    def payload(self) -> bytes:
        """The canonical bytes the verification code and the cache key are computed over."""
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False, sort_keys=True).encode()


BLANK = FormData()


def _local(moment: dt.datetime) -> dt.datetime:
    # The college's calendar (Asia/Shanghai), whatever zone a request may have activated.
    return timezone.localtime(moment, timezone.get_default_timezone())


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    local = _local(moment)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def _opinion(form: DisposalForm) -> dict:
    """The opinion's box: the supervising leader's words, or the waiver the office recorded in their place."""
    if not form.leader_opinion.strip() and form.opinion_waived_at:
        return {
            "leader_opinion": f"免填（领导小组办公室登记）：{form.opinion_waived_reason}",
            "leader_opinion_by": form.opinion_waived_by.display_name if form.opinion_waived_by else "",
            "leader_opinion_at": _when(form.opinion_waived_at),
        }
    return {
        "leader_opinion": form.leader_opinion,
        "leader_opinion_by": form.leader_opinion_by.display_name if form.leader_opinion_by else "",
        "leader_opinion_at": _when(form.leader_opinion_at),
    }


def team_row(incident: Incident, form: DisposalForm) -> str:
    """The row 「舆情处置小组人员名单」: filled from the recorded team, then what the department typed (if any)."""
    members = list(DisposalTeamMember.objects.filter(incident=incident).select_related("user"))
    drawn, typed = team_text(members), form.team_members.strip()
    if drawn and typed and typed != drawn:
        return f"{drawn}\n{typed}"
    return drawn or typed


def form_data(incident: Incident) -> FormData:
    """What the form of `incident` prints (3 queries; the department comes with access_incident)."""
    form = (
        DisposalForm.objects.select_related("leader_opinion_by", "opinion_waived_by", "head_signed_by")
        .filter(incident=incident)
        .first()
    ) or DisposalForm(incident=incident, version=0)
    sources = tuple(
        "　".join(part for part in (s.platform, s.url) if part) for s in incident.sources.order_by("id")
    )
    signed = _local(form.head_signed_at) if form.head_signed_at else None
    return FormData(
        incident_id=incident.pk,
        incident_version=incident.version,
        form_version=form.version,
        number=incident.number,
        department=incident.responsible_department.name,
        discovered_at=_when(incident.discovered_at),
        sources=sources,
        category=incident.category or "",
        level=incident.level,
        team_members=team_row(incident, form),
        disposal_situation=form.disposal_situation,
        **_opinion(form),
        follow_up=form.follow_up,
        head_signed_by=form.head_signed_by.display_name if form.head_signed_by else "",
        signed_date=(signed.year, signed.month, signed.day) if signed else None,
    )


def verification_code(data: FormData) -> str:
    """The 校验码 in the footer: the first 8 hex characters of an HMAC-SHA256 keyed by SECRET_KEY.

    salted_hmac("reports.disposal_form", data.payload(), algorithm="sha256"), i.e. HMAC-SHA256 with the key
    sha256("reports.disposal_form" + SECRET_KEY), over the canonical JSON of FormData: the incident id, the
    incident and form versions and every printed field. The office checks a paper copy by recomputing
    `verification_code(form_data(incident))`: a changed field or a forged printout gives another code.
    """
    return salted_hmac("reports.disposal_form", data.payload(), algorithm="sha256").hexdigest()[:8]


def form_context(data: FormData) -> dict:
    labels = dict(Category.choices)
    now = _local(timezone.now())
    return {
        "title": TITLE,
        "blank": data.blank,
        "d": data,
        "category_lines": [[(labels[c], data.category == c) for c in line] for line in CATEGORY_LINES],
        "level_options": [(f"{letter}{level.label}", data.level == level) for level, letter in LEVEL_OPTIONS],
        "number_text": "空白表（供纸质填写）" if data.blank else f"舆情编号：{data.number}",
        "generated_text": f"生成时间：{now:%Y-%m-%d %H:%M}（北京时间）",
        "code_text": "" if data.blank else f"校验码：{verification_code(data)}",
    }


def render(data: FormData = BLANK, *, timeout: float | None = None) -> bytes:
    """The PDF of `data` (BLANK: the empty form for paper use), drawn now, without the cache."""
    html = engine.template(TEMPLATE).render(form_context(data))
    return engine.render_html(html, [STYLESHEET], timeout=timeout)


def cache_key(data: FormData) -> str:
    layout = engine.layout_digest(TEMPLATE, BODY_TEMPLATE, STYLESHEET)
    if data.blank:
        return f"{CACHE_PREFIX}:{layout}:blank"
    # The versions say when the form or the incident changed; the digest also catches what changes without
    # a version (a department renamed, a person's name corrected).
    digest = hashlib.sha256(data.payload()).hexdigest()[:16]
    return f"{CACHE_PREFIX}:{layout}:{data.incident_id}:{data.form_version}:{data.incident_version}:{digest}"


def _cached(data: FormData) -> bytes:
    key = cache_key(data)
    try:
        pdf = cache.get(key)
    except Exception:  # a cache outage must not stop printing
        logger.exception("处置表缓存读取失败")
        pdf = None
    if pdf is not None:
        engine.stats["cache_hits"] += 1
        return pdf
    pdf = render(data)
    try:
        cache.set(key, pdf, CACHE_SECONDS)
    except Exception:
        logger.exception("处置表缓存写入失败")
    return pdf


def disposal_form_pdf(incident: Incident) -> bytes:
    """The 处置表 of `incident` as PDF bytes, from the cache when nothing printed has changed."""
    return _cached(form_data(incident))


def blank_disposal_form_pdf() -> bytes:
    """The empty 处置表, for filling in on paper."""
    return _cached(BLANK)


SAMPLE = FormData(
    incident_id=0,
    number="YQ-0000-0000",
    department="学生处",
    discovered_at="2026年1月1日 08:00",
    sources=("微博　https://weibo.example/post/1",),
    category="C",
    level=Level.THREE,
    team_members="组长：张三；成员：李四、王五",
    disposal_situation="已核实情况，约谈当事学生，于校园网发布情况说明，舆情平息。",
    leader_opinion="同意处置方案，加强后续引导。",
    leader_opinion_by="分管领导",
    leader_opinion_at="2026年1月1日 10:00",
    follow_up="持续关注，未见反弹。",
    head_signed_by="部门负责人",
    signed_date=(2026, 1, 1),
)
