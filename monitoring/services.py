"""Every write of 重点监测 (第八条): the calendar, the holidays seeded from chinese_calendar, the duty roster and
the liaisons' 零报告. Keyword-only, under transaction.atomic; the remembered periods are forgotten on commit."""

import datetime as dt
from collections.abc import Iterable

import chinese_calendar
from django.db import transaction

from departments.models import Department, User
from incidents.models import Incident
from incidents.services import deadlines
from opinion_system import clock
from opinion_system.errors import DomainError, StaleObject
from opinion_system.stamps import stamp

from . import access, rules, selectors
from .models import DutyShift, KeyMonitoringPeriod, NilReport

PERIOD_FIELDS = (
    "name",
    "kind",
    "start_date",
    "end_date",
    "reminder_lead_minutes",
    "nil_report_required",
    "note",
)


def _check_dates(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise DomainError("结束日期不能早于开始日期。")


def _changed(*spans: tuple[dt.date, dt.date]) -> None:
    """Once committed: the remembered periods are stale, and the deadlines due in the days touched take their
    reminder moments again (a period's lead applies also to what was already open)."""
    days = [day for span in spans for day in span]

    def after() -> None:
        selectors.forget_periods()
        if days:
            due_from = clock.start_of_local_day(rules.nil_report_due(min(days)))
            due_to = clock.start_of_local_day(rules.nil_report_due(max(days)), days_later=1)
            deadlines.replan_reminders(due_from=due_from, due_to=due_to)

    transaction.on_commit(after)


@transaction.atomic
def period_create(*, actor: User, **fields) -> KeyMonitoringPeriod:
    """The office enters a period (a sensitive time, a school event, a holiday the library does not know)."""
    access.require_keeper(actor)
    _check_dates(fields["start_date"], fields["end_date"])
    period = KeyMonitoringPeriod(**{k: fields.get(k) for k in PERIOD_FIELDS if k in fields})
    period.name = (period.name or "").strip()
    if not period.name:
        raise DomainError("请填写时段名称。")
    period.created_by, period.created_at = actor, clock.now()
    stamp(period, actor=actor, reason="登记重点监测时段")
    period.save()
    _changed((period.start_date, period.end_date))
    return period


@transaction.atomic
def period_update(
    *, actor: User, period: KeyMonitoringPeriod, expected_version: int | None = None, **fields
) -> KeyMonitoringPeriod:
    access.require_keeper(actor)
    locked = KeyMonitoringPeriod.objects.select_for_update().get(pk=period.pk)
    before = (locked.start_date, locked.end_date)
    if expected_version is not None and locked.version != expected_version:
        raise StaleObject("该时段在您打开页面后已被他人修改，请刷新后再提交；您填写的内容仍保留在表单中。")
    for name in PERIOD_FIELDS:
        if name in fields:
            setattr(locked, name, fields[name])
    locked.name = (locked.name or "").strip()
    if not locked.name:
        raise DomainError("请填写时段名称。")
    _check_dates(locked.start_date, locked.end_date)
    if locked.shifts.exclude(date__range=(locked.start_date, locked.end_date)).exists():
        raise DomainError("值班表中有排在新日期范围之外的值班安排，请先在值班表中删除这些日期的安排。")
    locked.version += 1
    stamp(locked, actor=actor, reason="修改重点监测时段")
    locked.save()
    _changed(before, (locked.start_date, locked.end_date))
    return locked


@transaction.atomic
def period_delete(*, actor: User, period: KeyMonitoringPeriod) -> None:
    access.require_keeper(actor)
    locked = KeyMonitoringPeriod.objects.select_for_update().get(pk=period.pk)
    # 第十五条: a 零报告 owed (and perhaps missed) in the period is part of the year's evaluation.
    if locked.nil_reports.exists():
        raise DomainError("该时段已有零报告记录（计入年度考核），不能删除；如时段有变，请修改其结束日期。")
    stamp(locked, actor=actor, reason="删除重点监测时段")
    locked.delete()
    _changed((locked.start_date, locked.end_date))


def _festivals(year: int) -> list[tuple[str, dt.date, dt.date]]:
    """(name, first day, last day) of each holiday of the year, consecutive days of one festival grouped."""
    try:
        chinese_calendar.get_holiday_detail(dt.date(year, 1, 1))
    except NotImplementedError:
        raise DomainError(rules.unknown_year_message(year)) from None
    names = {h.value: h.chinese for h in chinese_calendar.Holiday}
    days = sorted(
        (day, names[english])
        for day, english in chinese_calendar.constants.holidays.items()
        if day.year == year and english in names
    )
    runs: list[tuple[str, dt.date, dt.date]] = []
    for day, name in days:
        if runs and runs[-1][0] == name and runs[-1][2] + dt.timedelta(days=1) == day:
            runs[-1] = (name, runs[-1][1], day)
        else:
            runs.append((name, day, day))
    return [(rules.festival_name(name), start, end) for name, start, end in runs]


@transaction.atomic
def holidays_seed(*, actor: User | None, year: int) -> list[KeyMonitoringPeriod]:
    """国家法定节假日 of a year from chinese_calendar; idempotent: a festival already seeded (edited or not) is
    left as the office has it. A year the library does not know raises DomainError asking for manual entry."""
    if actor is not None:  # None: the management command, run by whoever runs the server
        access.require_keeper(actor)
    if not 2000 <= year <= 2099:
        raise DomainError("年度应为 2000 年至 2099 年之间的整数。")
    festivals = _festivals(year)
    # One key per festival and year (a second run of the same festival in a year gets its number), so a newer
    # chinese_calendar that moves a day finds the period the office already has.
    keys: dict[str, tuple[str, dt.date, dt.date]] = {}
    for name, start, end in festivals:
        key = f"{year}:{name}"
        number = 1
        while key in keys:
            number += 1
            key = f"{year}:{name}:{number}"
        keys[key] = (name, start, end)
    have = set(KeyMonitoringPeriod.objects.filter(seed_key__in=keys).values_list("seed_key", flat=True))
    created = []
    now = clock.now()
    for key, (name, start, end) in keys.items():
        if key in have:
            continue
        period = KeyMonitoringPeriod(
            name=name,
            kind=KeyMonitoringPeriod.Kind.HOLIDAY,
            start_date=start,
            end_date=end,
            seed_key=key,
            created_by=actor,
            created_at=now,
            note=f"据国务院办公厅 {year} 年部分节假日安排导入",
        )
        stamp(period, actor=actor, reason=f"导入 {year} 年法定节假日")
        period.save()
        created.append(period)
    _changed(*((p.start_date, p.end_date) for p in created))
    return created


@transaction.atomic
def duty_roster_save(
    *, actor: User, period: KeyMonitoringPeriod, rows: Iterable[tuple[dt.date, User | None, str]]
) -> int:
    """值班表: one row per day of the period; a day without a person has no shift. Returns the shifts kept."""
    access.require_keeper(actor)
    period = KeyMonitoringPeriod.objects.select_for_update().get(pk=period.pk)
    existing = {s.date: s for s in DutyShift.objects.filter(period=period)}
    kept = 0
    for day, person, phone in rows:
        if not period.start_date <= day <= period.end_date:
            raise DomainError(f"{day:%Y年%m月%d日}不在该时段内。")
        shift = existing.get(day)
        if person is None:
            if shift is not None:
                stamp(shift, actor=actor, reason="取消值班安排")
                shift.delete()
            continue
        phone = (phone or "").strip() or person.phone
        if not phone:
            raise DomainError(f"请填写 {day:%m月%d日} 值班人员的联系电话。")
        if shift is None:
            shift = DutyShift(period=period, date=day)
        elif shift.person_id == person.pk and shift.phone == phone:
            kept += 1
            continue
        shift.person, shift.phone = person, phone
        stamp(shift, actor=actor, reason="安排值班")
        shift.save()
        kept += 1
    return kept


def _incidents_filed(department: Department, day: dt.date) -> list[Incident]:
    start = clock.start_of_local_day(rules.nil_report_due(day))
    end = clock.start_of_local_day(start, days_later=1)
    return list(
        Incident.objects.filter(reporting_department=department, reported_at__gte=start, reported_at__lt=end)
    )


def nil_report_open(*, period_id: int, department: Department, day: dt.date) -> NilReport:
    """The day's row for a department (written once: two sweeps, or a sweep and a submission, keep one)."""
    NilReport.objects.bulk_create(
        [
            NilReport(
                period_id=period_id,
                department=department,
                day=day,
                due_at=rules.nil_report_due(day),
                created_at=clock.now(),
            )
        ],
        ignore_conflicts=True,
    )
    return NilReport.objects.get(department=department, day=day)


@transaction.atomic
def nil_report_submit(*, actor: User, department: Department, note: str = "") -> NilReport:
    """The liaison's 零报告 of today: "本部门今日未发现舆情", or the incidents the department filed today."""
    if department.pk not in {d.pk for d in selectors.liaison_departments(actor)}:
        raise DomainError(f"您不是{department.name}备案的联络员，不能代为报送零报告。")
    day = selectors.local_date()
    periods = [p for p in selectors.active_periods(day) if p.nil_report_required]
    if not periods:
        raise DomainError("今日不在要求零报告的重点监测时段内，无需报送。")
    report = nil_report_open(period_id=periods[0].pk, department=department, day=day)
    report = NilReport.objects.select_for_update().get(pk=report.pk)
    if report.submitted_at is not None:
        raise DomainError(f"{department.name}今日的零报告已于 {report.submitted_at:%H:%M} 报送。")
    filed = _incidents_filed(department, day)
    report.submitted_at, report.submitted_by = clock.now(), actor
    report.nothing_found = not filed
    report.note = (note or "").strip()
    stamp(report, actor=actor, reason="报送零报告")
    report.save()
    report.incidents.set(filed)
    return report
