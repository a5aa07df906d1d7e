"""Reads of the key monitoring periods: the calendar, what is active today (cached), the roster, the 零报告."""

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from departments.models import Department, Liaison, User
from opinion_system import clock

from .models import DutyShift, KeyMonitoringPeriod, NilReport, span

# The banner and the reminder lead read the periods on every page and every new deadline: remembered per day
# until a service changes a period. Without Redis (a per-process cache) another process sees a change within this.
CACHE_SECONDS = 300
KEY_PREFIX = "monitoring:periods"


@dataclass(frozen=True)
class PeriodInfo:
    """What the banner and the hooks need of a period (picklable, no model instance in the cache)."""

    pk: int
    name: str
    kind_label: str
    start_date: dt.date
    end_date: dt.date
    reminder_lead_minutes: int | None
    nil_report_required: bool

    @property
    def span(self) -> str:
        return span(self.start_date, self.end_date)

    def covers(self, day: dt.date) -> bool:
        return self.start_date <= day <= self.end_date


def local_date(moment: dt.datetime | None = None) -> dt.date:
    """The Beijing calendar day of a moment (now by default), whatever zone a request activated."""
    return timezone.localtime(moment or clock.now(), timezone.get_default_timezone()).date()


def _key(day: dt.date) -> str:
    return f"{KEY_PREFIX}:{day:%Y%m%d}"


def _load(day: dt.date) -> list[PeriodInfo]:
    return [
        PeriodInfo(p.pk, p.name, p.get_kind_display(), p.start_date, p.end_date, p.reminder_lead_minutes,
                   p.nil_report_required)
        for p in KeyMonitoringPeriod.objects.filter(end_date__gte=day).order_by("start_date", "pk")
    ]  # fmt: skip


def periods_from(day: dt.date) -> list[PeriodInfo]:
    """Periods not yet over on `day` (remembered under the day; computed live while the cache is down)."""
    if not CACHE_SECONDS:
        return _load(day)
    kept = cache.get(_key(day))
    if kept is not None:
        return kept
    found = _load(day)
    cache.set(_key(day), found, CACHE_SECONDS)
    return found


def forget_periods() -> None:
    """A period changed: today's remembered list is stale (tomorrow's is not yet written)."""
    cache.delete(_key(local_date()))


def active_periods(day: dt.date | None = None) -> list[PeriodInfo]:
    day = day or local_date()
    return [p for p in periods_from(day) if p.covers(day)]


def reminder_lead(due_at: dt.datetime) -> int:
    """The longest lead of the periods covering the Beijing day a deadline falls due (0: none set)."""
    day = local_date(due_at)
    today = local_date()
    if day < today:
        return 0
    return max((p.reminder_lead_minutes or 0 for p in periods_from(today) if p.covers(day)), default=0)


def on_duty(moment: dt.datetime) -> list[User]:
    """The people on duty on that Beijing day, in a period (one query, none when no period is active)."""
    day = local_date(moment)
    if day == local_date() and not active_periods(day):
        return []  # out of a period (the common case) this costs no query
    shifts = DutyShift.objects.filter(
        date=day, period__start_date__lte=day, period__end_date__gte=day, person__is_active=True
    ).select_related("person")
    return [shift.person for shift in shifts]


def period_list(*, year: int) -> QuerySet[KeyMonitoringPeriod]:
    """The calendar of one year: the periods that touch it (one query)."""
    return KeyMonitoringPeriod.objects.filter(start_date__year__lte=year, end_date__year__gte=year).order_by(
        "start_date", "pk"
    )


def shifts_of(period: KeyMonitoringPeriod) -> dict[dt.date, DutyShift]:
    return {s.date: s for s in DutyShift.objects.filter(period=period).select_related("person")}


def period_days(period: KeyMonitoringPeriod) -> list[dt.date]:
    return [
        period.start_date + dt.timedelta(days=n)
        for n in range((period.end_date - period.start_date).days + 1)
    ]


def owing_departments() -> QuerySet[Department]:
    """The departments that owe a 零报告: those with a registered, active liaison."""
    return Department.objects.filter(
        liaisons__status=Liaison.Status.REGISTERED, liaisons__user__is_active=True
    ).distinct()


def liaison_departments(user) -> list[Department]:
    """The departments this person is the registered liaison of."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return list(
        Department.objects.filter(liaisons__user=user, liaisons__status=Liaison.Status.REGISTERED).distinct()
    )


def nil_reports_of_day(day: dt.date) -> QuerySet[NilReport]:
    """The office's view of one day: every department's report, with the incidents listed (two queries)."""
    return (
        NilReport.objects.filter(day=day)
        .select_related("department", "submitted_by", "period")
        .prefetch_related(Prefetch("incidents"))
        .order_by("department__sort_order", "department_id")
    )


def nil_report_history(*, since: dt.date, until: dt.date) -> QuerySet[NilReport]:
    """The office's history: one row per department and day, newest first (one query)."""
    return (
        NilReport.objects.filter(day__gte=since, day__lte=until)
        .select_related("department", "submitted_by", "period")
        .order_by("-day", "department__sort_order", "department_id")
    )
