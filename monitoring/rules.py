"""The rules of 第八条 重点监测 that the services, the sweep, the texts and the pages share."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

NOTHING_FOUND = "本部门今日未发现舆情"

# chinese_calendar names 清明、端午、中秋 without 节; people (and the State Council's notice) say 清明节 …
FESTIVAL_NAMES = {"清明": "清明节", "端午": "端午节", "中秋": "中秋节"}


def festival_name(chinese: str) -> str:
    return FESTIVAL_NAMES.get(chinese, chinese)


def unknown_year_message(year: int) -> str:
    return (
        f"系统内置的节假日数据尚无 {year} 年的安排。请在国务院办公厅发布 {year} 年部分节假日安排的通知后，"
        "由领导小组办公室在「重点监测」中逐项手工登记该年的法定节假日。"
    )


def due_time() -> dt.time:
    hour, minute = (int(part) for part in settings.NIL_REPORT_DUE_TIME.split(":"))
    return dt.time(hour, minute)


def nil_report_due(day: dt.date) -> dt.datetime:
    """零报告 of a Beijing day is due at NIL_REPORT_DUE_TIME that day."""
    return timezone.make_aware(dt.datetime.combine(day, due_time()), timezone.get_default_timezone())


def nil_report_remind_at(due_at: dt.datetime) -> dt.datetime:
    return due_at - dt.timedelta(minutes=settings.NIL_REPORT_REMINDER_MINUTES)
