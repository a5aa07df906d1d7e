"""舆情通报 as printed: a PDF drawn by WeasyPrint (reports.pdf.engine: the CJK fonts cut to GB2312, the static-only
fetcher, the time limit) and a Word file filled by docxtpl, both in the page geometry of GB/T 9704-2012
(党政机关公文格式): A4, top margin 37 mm, binding (left) margin 28 mm, text block 156 mm × 225 mm; the issuing
organ's name and the separating rule in red.

The Word template ships in the app (bulletins/docx/bulletin.docx, drawn by `manage.py make_bulletin_template`);
the office may replace it (BulletinTemplate). docxtpl fills it with Jinja2 in a sandbox and with autoescaping:
a template is an uploaded file, and a value with "<" or "&" must stay text in the document's XML.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from django.utils import timezone

from opinion_system.errors import DomainError
from reports.pdf import engine

from .models import DOCUMENT_NAME, ISSUING_ORGAN, Bulletin, BulletinTemplate
from .selectors import TIMELINESS_LABELS

# GB/T 9704-2012 §5.2.1–5.2.2, in millimetres.
PAGE_WIDTH, PAGE_HEIGHT = 210, 297
TOP_MARGIN, LEFT_MARGIN = 37, 28
TEXT_WIDTH, TEXT_HEIGHT = 156, 225
RIGHT_MARGIN = PAGE_WIDTH - LEFT_MARGIN - TEXT_WIDTH  # 26
BOTTOM_MARGIN = PAGE_HEIGHT - TOP_MARGIN - TEXT_HEIGHT  # 35
RED = "FF0000"

PDF_TEMPLATE = "bulletins/pdf/bulletin.html"
PDF_STYLESHEET = "bulletins/bulletin.css"
DEFAULT_DOCX = Path(__file__).resolve().parent / "docx" / "bulletin.docx"
TEMPLATE_MAX_BYTES = 5 * 1024 * 1024


def _date_text(moment) -> str:
    day = timezone.localtime(moment).date()
    return f"{day.year}年{day.month}月{day.day}日"


def figures_lines(figures: dict) -> list[str]:
    """The period's figures as sentences (the snapshot kept in the bulletin)."""
    if not figures:
        return []
    period = figures.get("period", {})
    lines = [
        f"{period.get('first', '')} 至 {period.get('last', '')}，共受理网络舆情 {figures.get('total', 0)} 起"
    ]
    levels = figures.get("levels", [])
    by_level = [0] * len(levels)
    for category in figures.get("categories", []):
        for i, n in enumerate(category.get("cells", [])):
            by_level[i] += n
    if levels:
        lines[0] += "，其中" + "、".join(
            f"{label} {n} 起" for label, n in zip(levels, by_level, strict=False)
        )
    lines[0] += f"；尚未研判 {figures.get('unassessed', 0)} 起。"
    categories = [f"{c['label']} {c['total']} 起" for c in figures.get("categories", []) if c.get("total")]
    if categories:
        lines.append("按类别：" + "；".join(categories) + "。")
    departments = [f"{d['name']} {d['total']} 起" for d in figures.get("departments", [])[:10]]
    if departments:
        lines.append("按责任部门：" + "；".join(departments) + "。")
    shares = []
    for kind, label in TIMELINESS_LABELS.items():
        entry = figures.get("timeliness", {}).get(kind)
        if entry and entry.get("share") is not None:
            shares.append(f"{label}按时率 {entry['share']}%")
    if shares:
        lines.append("时效：" + "，".join(shares) + "。")
    return lines


def context(bulletin: Bulletin) -> dict:
    """What both renderings print, as plain text (no markup from the data)."""
    incidents = [{"number": i.number, "title": i.title} for i in bulletin.incidents.order_by("number")]
    recipients = [d.name for d in bulletin.recipients.order_by("sort_order", "id")]
    dated = bulletin.issued_at or bulletin.approved_at or bulletin.drafted_at
    return {
        "organ": ISSUING_ORGAN,
        "document_name": DOCUMENT_NAME,
        "number_text": bulletin.number_text,
        "title": bulletin.title,
        "paragraphs": [p.strip() for p in bulletin.body.splitlines() if p.strip()],
        "figures_lines": figures_lines(bulletin.figures),
        "incidents": incidents,
        "recipients_text": "、".join(recipients),
        "date_text": _date_text(dated),
        "draft": bulletin.status != Bulletin.Status.ISSUED,
    }


def pdf(bulletin: Bulletin) -> bytes:
    html = engine.template(PDF_TEMPLATE).render(context(bulletin))
    return engine.render_html(html, [PDF_STYLESHEET])


# --- Word -----------------------------------------------------------------------------------------------------

SAMPLE = {
    "organ": ISSUING_ORGAN,
    "document_name": DOCUMENT_NAME,
    "number_text": "〔2026〕第 1 期",
    "title": "关于近期网络舆情情况的通报",
    "paragraphs": ["示例正文第一段。", "示例正文第二段 <&>。"],
    "figures_lines": ["2026-01-01 至 2026-01-31，共受理网络舆情 3 起。"],
    "incidents": [{"number": "YQ-2026-0001", "title": "示例舆情"}],
    "recipients_text": "学生处、人事处",
    "date_text": "2026年1月31日",
    "draft": False,
}


def _render_docx(source, values: dict) -> bytes:
    from docxtpl import DocxTemplate
    from jinja2.sandbox import SandboxedEnvironment

    document = DocxTemplate(source)
    document.render(values, jinja_env=SandboxedEnvironment(autoescape=True))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def check_template(data: bytes) -> None:
    """A replacement template must be a .docx that docxtpl opens and fills; DomainError says why not."""
    if len(data) > TEMPLATE_MAX_BYTES:
        raise DomainError(f"模板文件不能超过 {TEMPLATE_MAX_BYTES // (1024 * 1024)} MB。")
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise DomainError("模板须为 Word 文档（.docx），该文件无法打开。")
    try:
        _render_docx(io.BytesIO(data), SAMPLE)
    except Exception as exc:
        raise DomainError(
            f"模板无法填充（{type(exc).__name__}：{str(exc)[:120]}），请检查其中的 {{{{ }}}} 占位符。"
        ) from None


def template_source():
    """The office's template if it replaced the shipped one, else the shipped one."""
    custom = BulletinTemplate.objects.filter(pk=1).first()
    if custom is not None:
        try:
            with custom.file.open("rb") as handle:
                return io.BytesIO(handle.read()), custom
        except OSError:
            pass  # the file is gone from MEDIA_ROOT: print with the shipped template rather than fail
    return str(DEFAULT_DOCX), None


def docx(bulletin: Bulletin) -> bytes:
    source, _ = template_source()
    try:
        return _render_docx(source, context(bulletin))
    except Exception as exc:
        raise DomainError(
            f"Word 模板无法填充（{type(exc).__name__}），请在“通报模板”页恢复默认模板。"
        ) from None


def build_default_template(path: Path) -> None:
    """Draw the shipped template with python-docx: the red organ name and rule, GB/T 9704 margins."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(PAGE_WIDTH), Mm(PAGE_HEIGHT)
    section.top_margin, section.bottom_margin = Mm(TOP_MARGIN), Mm(BOTTOM_MARGIN)
    section.left_margin, section.right_margin = Mm(LEFT_MARGIN), Mm(RIGHT_MARGIN)

    def run(
        paragraph, text: str, *, size: float = 16, bold: bool = False, red: bool = False, font="仿宋_GB2312"
    ):
        r = paragraph.add_run(text)
        r.font.size, r.font.bold = Pt(size), bold
        r.font.name = font
        r._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
        if red:
            r.font.color.rgb = RGBColor.from_string(RED)
        return r

    def para(text: str = "", *, align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent: bool = False, **kw):
        p = document.add_paragraph()
        p.alignment = align
        p.paragraph_format.space_before = p.paragraph_format.space_after = Pt(0)
        p.paragraph_format.line_spacing = Pt(28.95)  # 22 lines in 225 mm
        if indent:
            p.paragraph_format.first_line_indent = Pt(32)
        if text:
            run(p, text, **kw)
        return p

    center = WD_ALIGN_PARAGRAPH.CENTER
    para("{{ organ }}", align=center, size=18, bold=True, red=True, font="方正小标宋简体")
    para("{{ document_name }}", align=center, size=42, bold=True, red=True, font="方正小标宋简体")
    number = para("{{ number_text }}", align=center)
    # The separating rule (版头中的分隔线): a red line under the number, across the text block.
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "4"), ("w:color", RED)):
        bottom.set(qn(name), value)
    borders.append(bottom)
    number._p.get_or_add_pPr().append(borders)
    para()
    para("{{ title }}", align=center, size=22, bold=True, font="方正小标宋简体")
    para()
    para("{%p for p in paragraphs %}")
    para("{{ p }}", indent=True)
    para("{%p endfor %}")
    para("{%p if figures_lines %}")
    para("一、本期舆情统计", indent=True, font="黑体")
    para("{%p endif %}")
    para("{%p for line in figures_lines %}")
    para("{{ line }}", indent=True)
    para("{%p endfor %}")
    para("{%p if incidents %}")
    para("二、相关舆情", indent=True, font="黑体")
    para("{%p endif %}")
    para("{%p for i in incidents %}")
    para("{{ i.number }}　{{ i.title }}", indent=True)
    para("{%p endfor %}")
    para()
    para("主送：{{ recipients_text }}")
    para()
    para("{{ organ }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    para("{{ date_text }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
