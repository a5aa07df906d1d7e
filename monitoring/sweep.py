"""The 零报告 sweep (第八条), every minute (beat entry sweep-nil-reports, or manage.py sweep_nil_reports).

During a period that requires it, every department with a registered liaison owes one 零报告 per Beijing day by
NIL_REPORT_DUE_TIME. The sweep writes the day's rows, reminds the liaisons NIL_REPORT_REMINDER_MINUTES before,
and at the due time marks a report still missing as overdue (counted as a miss, 第十五条) and tells the liaisons
and the office. Each notice is claimed on its row with a conditional UPDATE (as notifications.delivery does):
two sweeps at once, or a sweep rerun after a crash, send it exactly once.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from departments.models import Liaison, User
from departments.roles import Role
from departments.selectors import users_with_role
from notifications.services import Message, build_rows, save_rows
from opinion_system import clock

from . import rules, selectors, services
from .models import KeyMonitoringPeriod, NilReport


@dataclass
class NilSweepResult:
    opened: int = 0
    reminded: int = 0
    overdue: int = 0


def open_today(now: dt.datetime) -> int:
    """The day's rows: owed for a period that required them before the day's due time."""
    day = selectors.local_date(now)
    if not any(p.nil_report_required for p in selectors.active_periods(day)):
        return 0  # the common case: no query
    due = rules.nil_report_due(day)
    # A period entered after the day's due time asks for 零报告 from the next day on: nobody can miss a
    # report that was not owed while there was still time to make it.
    period = (
        KeyMonitoringPeriod.objects.filter(
            start_date__lte=day, end_date__gte=day, nil_report_required=True, created_at__lt=due
        )
        .order_by("start_date", "pk")
        .first()
    )
    if period is None:
        return 0
    have = set(NilReport.objects.filter(day=day).values_list("department_id", flat=True))
    opened = 0
    for department in selectors.owing_departments().exclude(pk__in=have):
        services.nil_report_open(period_id=period.pk, department=department, day=day)
        opened += 1
    return opened


def _liaisons(department_ids) -> dict[int, list[User]]:
    people: dict[int, list[User]] = {}
    for liaison in Liaison.objects.filter(
        department_id__in=department_ids, status=Liaison.Status.REGISTERED, user__is_active=True
    ).select_related("user"):
        people.setdefault(liaison.department_id, []).append(liaison.user)
    return people


def _tell(report: NilReport, stage: str, users: list[User], now: dt.datetime) -> None:
    due = f"{timezone.localtime(report.due_at):%m月%d日 %H:%M}"
    if stage == "reminder":
        subject = f"【提醒】{report.department.name}今日零报告待报送"
        text = f"重点监测时段内，请于 {due} 前报送今日零报告（{rules.NOTHING_FOUND}，或列明今日上报的舆情）。"
    else:
        subject = f"【逾期】{report.department.name}{report.day:%m月%d日}零报告未报送"
        text = (
            f"{report.department.name}{report.day:%m月%d日}的零报告应于 {due} 前报送，至今未报送，计为缺报。"
        )
    message = Message(
        kind=f"nil_report_{stage}",
        subject=subject,
        text=text,
        incident=None,
        key=f"nil_report:{report.pk}:{stage}",
        created_at=now,
        link=reverse("monitoring:nil_report"),
    )
    save_rows(build_rows(message, users, actor=None))  # the sweep: nobody acted


def _claim(report: NilReport, stage: str, now: dt.datetime) -> bool:
    """The one conditional UPDATE that tells the winner: the stage is written only where it was not yet."""
    rows = NilReport.objects.filter(pk=report.pk, submitted_at__isnull=True, overdue_at__isnull=True)
    if stage == "reminder":
        return bool(rows.filter(reminded_at__isnull=True).update(reminded_at=now))
    return bool(rows.update(overdue_at=now))


def notify_due(now: dt.datetime) -> tuple[int, int]:
    """Reminders and overdue notices of the open rows whose moment has come."""
    open_rows = NilReport.objects.filter(submitted_at__isnull=True, overdue_at__isnull=True)
    due = list(
        open_rows.filter(due_at__lte=now + dt.timedelta(minutes=settings.NIL_REPORT_REMINDER_MINUTES))
        .select_related("department")
        .order_by("due_at", "pk")
    )
    if not due:
        return 0, 0
    liaisons = _liaisons({r.department_id for r in due})
    office: list[User] | None = None
    reminded = overdue = 0
    for report in due:
        stage = "overdue" if now >= report.due_at else "reminder"
        if stage == "reminder" and report.reminded_at is not None:
            continue
        with transaction.atomic():
            if not _claim(report, stage, now):
                continue  # another sweep took it
            users = liaisons.get(report.department_id, [])
            if stage == "overdue":
                office = list(users_with_role(Role.OFFICE)) if office is None else office
                users = users + office
                overdue += 1
            else:
                reminded += 1
            _tell(report, stage, users, now)
    return reminded, overdue


def run_once(now: dt.datetime | None = None) -> NilSweepResult:
    now = now or clock.now()
    result = NilSweepResult(opened=open_today(now))
    result.reminded, result.overdue = notify_due(now)
    return result
