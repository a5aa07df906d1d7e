"""会议纪要 of a joint meeting (第四条) or a level-1 专题会议 as PDF: drawn by the same WeasyPrint machinery as
the 处置表 (fonts cut to GB2312 with the full Noto face behind them, static-only fetcher, time limit).

Meetings sit below reports in the layers, so the minutes are drawn here; the view asks meetings.access, and
the record printed is the one that person may read (meetings.selectors.meeting_record).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from . import engine

if TYPE_CHECKING:
    from meetings.selectors import MeetingRecord

TITLE = "会议纪要"
TEMPLATE = "reports/pdf/minutes.html"
STYLESHEET = "reports/minutes.css"


def render(record: MeetingRecord) -> bytes:
    now = timezone.localtime(timezone.now(), timezone.get_default_timezone())
    context = {"r": record, "m": record.meeting, "title": TITLE, "generated": f"{now:%Y-%m-%d %H:%M}"}
    html = engine.template(TEMPLATE).render(context)
    return engine.render_html(html, [STYLESHEET])
