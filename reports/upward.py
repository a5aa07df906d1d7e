"""专报 (第九条): the report to the superior authority, drafted from the incident for the office to edit and send,
as Word (.docx, python-docx) and PDF (WeasyPrint with the fonts of reports.pdf)."""

from __future__ import annotations

import io
import unicodedata

from django.utils import timezone

from incidents import selectors as incident_selectors
from incidents.models import Category, DisposalForm, Incident, Level, ProgressReport, ReplyStatement

from .pdf import engine

TEMPLATE = "reports/pdf/upward_brief.html"
STYLESHEET = "reports/upward_brief.css"
ISSUER = "学校网络舆情处置工作领导小组办公室（党群工作部）"


def _when(moment) -> str:
    local = timezone.localtime(moment, timezone.get_default_timezone())
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def brief_title(incident: Incident) -> str:
    return f"关于“{incident.title}”网络舆情的专报"


def brief_text(incident: Incident) -> str:
    """The draft: what the superior authority needs to know, from what the case holds now (a few queries)."""
    records = incident_selectors.level_one_records(incident=incident)
    progress = list(
        ProgressReport.objects.filter(incident=incident).select_related("author").order_by("created_at", "id")
    )
    published = list(
        ReplyStatement.objects.filter(incident=incident, status=ReplyStatement.Status.PUBLISHED).order_by(
            "number"
        )
    )
    form = DisposalForm.objects.filter(incident=incident).first()
    lines = [
        f"舆情编号：{incident.number}",
        f"舆情标题：{incident.title}",
        f"舆情类别：{Category(incident.category).label if incident.category else '未研判'}",
        f"响应级别：{Level(incident.level).label if incident.level else '未研判'}",
        f"责任部门：{incident.responsible_department.name}",
        f"发现时间：{_when(incident.discovered_at)}",
        "",
        "一、基本情况",
        incident.summary,
        "",
        "二、已采取的措施",
    ]
    measures = [
        f"{d.get_kind_display()}：{_when(d.done_at)} {d.method} {d.recipient}".strip()
        for d in records["duties"]
        if d.done_at
    ]
    measures += [
        f"回复通稿第{s.number}版已发布：{s.published_where}（{_when(s.published_at)}）" for s in published
    ]
    measures += [
        f"联系{c.get_kind_display()}{c.counterpart}（{_when(c.contacted_at)}，{c.get_channel_display()}）：{c.content}"
        for c in records["contacts"]
    ]
    if form is not None and form.disposal_situation:
        measures.append(form.disposal_situation)
    lines += [f"{n}. {m}" for n, m in enumerate(measures, 1)] or ["（待补充）"]
    lines += ["", "三、处置进展（互通信息）"]
    lines += [f"{_when(p.created_at)} {p.content}" for p in progress] or ["（尚无互通信息）"]
    lines += ["", "四、向上级报告情况"]
    lines += [
        f"{'首报' if n == 1 else '续报'}：{_when(r.reported_at)} 以{r.get_channel_display()}向{r.authority}报告（{r.reporter_name}）。"
        for n, r in enumerate(records["upward_reports"], 1)
    ] or ["（本次为首报）"]
    lines += ["", "下一步，我校将持续关注舆情走势，及时续报有关情况。", "", ISSUER, _when(timezone.now())]
    return "\n".join(lines)


def _printable(text: str) -> str:
    """Without control characters (a paste from another program may carry them): Word's XML refuses them."""
    return "".join(ch for ch in text if ch in "\t\n" or unicodedata.category(ch) not in ("Cc", "Cs"))


def brief_docx(*, title: str, text: str) -> bytes:
    """The edited 专报 as Word: the title centred and bold, each line a paragraph, in 仿宋 / 宋体."""
    title, text = _printable(title), _printable(text)
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "FangSong"
    style.font.size = Pt(14)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋")
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(title)
    run.bold, run.font.size = True, Pt(18)
    run.font.name = "SimSun"
    run.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    for line in text.splitlines():
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def brief_pdf(*, title: str, text: str) -> bytes:
    """The edited 专报 as PDF; raises reports.pdf.PdfUnavailable without the CJK fonts (the view says so)."""
    title, text = _printable(title), _printable(text)
    html = engine.template(TEMPLATE).render({"title": title, "paragraphs": text.splitlines()})
    return engine.render_html(html, [STYLESHEET])
