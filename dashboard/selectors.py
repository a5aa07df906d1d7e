"""The leaders' dashboard (领导驾驶舱): every figure starts from incidents.access.incidents_visible_to and comes
from a fixed number of aggregate queries whatever the number of incidents.

Each figure is a Tally: the count and the incident list's address filtered the same way (incidents.filters holds
the conditions both use), so what a leader clicks shows exactly the rows that were counted.
"""

import datetime as dt
import functools
from collections import defaultdict
from typing import NamedTuple
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Count, F, FilteredRelation, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.urls import get_script_prefix, reverse
from django.utils import timezone

from incidents import access, worklist
from incidents.filters import (
    COUNTED,
    LEVEL_ONE_OPEN,
    OPEN,
    OPEN_STATUSES,
    assessment_late,
    assessment_on_time,
    day_start,
    duties_outstanding,
    first_report_late,
    overdue_deadlines,
)
from incidents.models import Category, Deadline, Incident, Level, LevelOneDuty, Status

from .forms import Period

LEVELS = (Level.ONE, Level.TWO, Level.THREE)  # the most serious first, as the regulation lists them
UNASSESSED = "未研判"
TOP_DEPARTMENTS = 10
LEVEL_ONE_SHOWN = 20


class Tally(NamedTuple):
    """A count and the incident list that shows exactly those incidents."""

    n: int
    url: str


@functools.lru_cache(maxsize=8)
def _list_path(script_prefix: str) -> str:
    # A dashboard holds hundreds of figures; the list's path is resolved once per prefix (reverse reads it).
    return reverse("incidents:list")


def incident_list_url(**params) -> str:
    """The incident list filtered by `params` (incidents.filters names), in a stable order."""
    query = urlencode([(name, value) for name, value in params.items() if value not in (None, "")])
    return f"{_list_path(get_script_prefix())}?{query}"


def tally(n: int, **params) -> Tally:
    return Tally(n, incident_list_url(**params))


def period_params(period: Period) -> dict:
    """The list's filters for "reported in the period, duplicates left out"."""
    return {
        "reported_after": period.first.isoformat(),
        "reported_before": period.last.isoformat(),
        "stage": "counted",
    }


def incidents_in_period(*, user, period: Period) -> QuerySet[Incident]:
    """The user's incidents reported in the period (Beijing calendar days), merged duplicates left out."""
    return (
        access.incidents_visible_to(user)
        .filter(reported_at__gte=day_start(period.first))
        .filter(reported_at__lt=day_start(period.last + dt.timedelta(days=1)))
        .filter(COUNTED)
    )


# The period's scan reads every incident of the period (a year: tens of thousands of rows at 100,000 incidents)
# and, with the figures folded from it, is the costly part; leaders reload and switch periods, so the period's
# figures are kept this long per scope and period. What is open and overdue now is kept until a case changes.
PERIOD_CACHE_SECONDS = 60


def period_figures_get(*, user, period: Period, now: dt.datetime) -> dict:
    """The figures of the period (the total, the trend, category × level, departments, the three clocks) from
    its one scan, and when they were counted."""
    rows = period_rows_list(incidents=incidents_in_period(user=user, period=period), now=now)
    return {
        "counted_at": now,
        "total": tally(sum(r["n"] for r in rows), **period_params(period)),
        "trend": trend_fold(rows=rows, period=period),
        "category_level": category_level_fold(rows=rows, period=period),
        "departments": departments_fold(rows=rows, period=period),
        "timeliness": timeliness_fold(rows=rows, period=period),
    }


def period_figures_cached(*, user, period: Period, now: dt.datetime) -> dict:
    """period_figures_get for this person's scope, counted at most PERIOD_CACHE_SECONDS ago."""
    if PERIOD_CACHE_SECONDS <= 0:  # kept nowhere (the tests' setting)
        return period_figures_get(user=user, period=period, now=now)
    scope = "all" if access.sees_all(user) else f"user{user.pk}"  # a supervising leader has his own scope
    key = f"dashboard-figures:{scope}:{period.first.isoformat()}:{period.last.isoformat()}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    counted = period_figures_get(user=user, period=period, now=now)
    cache.set(key, counted, PERIOD_CACHE_SECONDS)
    return counted


def dashboard_get(*, user, period: Period, now: dt.datetime, cached: bool = False) -> dict:
    """Every figure of the dashboard for this user and period, in six queries (five when the period's figures
    are taken from the cache: `cached`, as the page does)."""
    get_period = period_figures_cached if cached else period_figures_get
    get_now = now_figures_cached if cached else now_figures_get
    now_figures = get_now(user=user, now=now)
    return {
        "period": period,
        **get_period(user=user, period=period, now=now),
        **now_figures,
        "level_one": level_one_get(user=user, open_count=now_figures["open_now"]["by_level"][0]),
    }


def now_figures_get(*, user, now: dt.datetime) -> dict:
    """What is open and what is overdue now, whatever the period."""
    overdue = overdue_by_department_list(user=user, now=now)
    return {
        "open_now": open_now_get(user=user),
        "overdue": overdue,
        # An incident has one responsible department: the departments' counts add up without double counting.
        "overdue_total": tally(sum(row["total"].n for row in overdue), overdue="true"),
    }


def now_figures_cached(*, user, now: dt.datetime) -> dict:
    """now_figures_get, kept until a case changes (incidents.worklist's generation of the work, which every
    committed change renews) and at most PERIOD_CACHE_SECONDS, since a deadline falls overdue with the clock."""
    if PERIOD_CACHE_SECONDS <= 0:
        return now_figures_get(user=user, now=now)
    scope = "all" if access.sees_all(user) else f"user{user.pk}"
    return worklist.kept_until_work_changes(
        f"dashboard-now:{scope}", lambda: now_figures_get(user=user, now=now), seconds=PERIOD_CACHE_SECONDS
    )


def _filing(condition: Q) -> Q:
    """A condition on the incident's 处置表 deadline (the `filing` relation of period_rows_list)."""
    return Q(filing__kind=Deadline.Kind.FILING) & condition


def period_rows_list(*, incidents: QuerySet[Incident], now: dt.datetime) -> list[dict]:
    """One scan of the period: counts by Beijing month × category × level × status × department, with the
    timeliness of the first report, of 研判 and of the 处置表. At most months × 6 × 4 × 8 × departments rows,
    whatever the number of incidents; the figures are folded from them in Python.

    The 处置表's deadline comes by a join restricted to its kind: an incident has at most one (it starts when the
    disposal ends, once), so counting incidents over the join counts each incident once, as the list shows them.
    """
    month = TruncMonth("reported_at", tzinfo=timezone.get_default_timezone())
    met, missed, open_ = Deadline.State.MET, Deadline.State.MISSED, Deadline.State.OPEN
    filing_on_time = _filing(Q(filing__state=met, filing__met_at__lte=F("filing__due_at")))
    filing_late = _filing(
        Q(filing__state=met, filing__met_at__gt=F("filing__due_at"))
        | Q(filing__state=missed)
        | Q(filing__state=open_, filing__due_at__lt=now)
    )
    return list(
        incidents.annotate(
            month=month,
            filing=FilteredRelation("deadlines", condition=Q(deadlines__kind=Deadline.Kind.FILING)),
        )
        .values(
            "month",
            "category",
            "level",
            "status",
            "responsible_department_id",
            "responsible_department__name",
            "responsible_department__sort_order",
        )
        .annotate(
            n=Count("id"),
            first_late=Count("id", filter=first_report_late()),
            assessed_on_time=Count("id", filter=assessment_on_time()),
            assessed_late=Count("id", filter=assessment_late(now=now)),
            filing_on_time=Count("id", filter=filing_on_time),
            filing_late=Count("id", filter=filing_late),
        )
        .order_by()
    )


def month_of(moment: dt.datetime) -> tuple[int, int]:
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment, timezone.get_default_timezone())
    return moment.year, moment.month


def trend_fold(*, rows: list[dict], period: Period) -> list[dict]:
    """Incidents reported in each month of the period (the months at the edges cut to the period)."""
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for row in rows:
        counts[month_of(row["month"])] += row["n"]
    trend = []
    for year, month in period.months():
        first = max(dt.date(year, month, 1), period.first)
        following = dt.date(year + month // 12, month % 12 + 1, 1)
        last = min(following - dt.timedelta(days=1), period.last)
        params = {
            **period_params(period),
            "reported_after": first.isoformat(),
            "reported_before": last.isoformat(),
        }
        trend.append({"label": f"{year}-{month:02d}", "count": tally(counts[(year, month)], **params)})
    return trend


def category_level_fold(*, rows: list[dict], period: Period) -> dict:
    """Incidents of the period by category (第六条) and level (第十条); those not yet assessed apart."""
    cells: dict[tuple[str, int], int] = defaultdict(int)
    unassessed = 0
    for row in rows:
        if row["category"] and row["level"]:
            cells[(row["category"], row["level"])] += row["n"]
        if row["status"] == Status.REPORTED:
            unassessed += row["n"]
    base = period_params(period)
    categories = []
    for category in Category:
        counts = [
            tally(cells[(category.value, level.value)], **base, category=category.value, level=level.value)
            for level in LEVELS
        ]
        total = tally(sum(c.n for c in counts), **base, category=category.value)
        categories.append({"label": category.label, "code": category.value, "cells": counts, "total": total})
    return {
        "levels": [level.label for level in LEVELS],
        "categories": categories,
        "unassessed": tally(unassessed, **base, status=Status.REPORTED),
    }


def departments_fold(*, rows: list[dict], period: Period) -> list[dict]:
    """Incidents of the period by responsible department, the most first: the whole, the open, each level."""
    found: dict[int, dict] = {}
    for row in rows:
        key = row["responsible_department_id"]
        entry = found.setdefault(
            key,
            {
                "id": key,
                "name": row["responsible_department__name"],
                "sort": row["responsible_department__sort_order"],
                "n": 0,
                "open": 0,
                "levels": defaultdict(int),
            },
        )
        entry["n"] += row["n"]
        entry["open"] += row["n"] if row["status"] in OPEN_STATUSES else 0
        if row["level"]:
            entry["levels"][row["level"]] += row["n"]
    base = period_params(period)
    ordered = sorted(found.values(), key=lambda e: (-e["n"], e["sort"], e["name"]))
    return [
        {
            "name": e["name"],
            "total": tally(e["n"], **base, responsible_department=e["id"]),
            "open": tally(e["open"], **{**base, "stage": "open"}, responsible_department=e["id"]),
            "levels": [
                tally(e["levels"][level], **base, responsible_department=e["id"], level=level.value)
                for level in LEVELS
            ],
        }
        for e in ordered
    ]


def open_now_get(*, user) -> dict:
    """Incidents still being handled now (whatever the period), by level and status: one query."""
    counts = {
        (row["status"], row["level"]): row["n"]
        for row in access.incidents_visible_to(user)
        .filter(OPEN)
        .values("status", "level")
        .annotate(n=Count("id"))
        .order_by()
    }
    levels = [*LEVELS, None]

    def cell(status, level) -> Tally:
        n = counts.get((status, level and level.value), 0)
        return tally(n, status=status.value, level=level and level.value)

    def by_level(level) -> Tally:
        n = sum(v for (s, lv), v in counts.items() if lv == (level and level.value))
        # Not yet assessed is exactly 已上报（待研判）: 研判 gives the level and moves the status on.
        return tally(n, stage="open", level=level.value) if level else tally(n, status=Status.REPORTED)

    statuses = [Status(s) for s in OPEN_STATUSES]
    return {
        "levels": [level.label if level else UNASSESSED for level in levels],
        "statuses": [
            {
                "label": s.label,
                "cells": [cell(s, level) for level in levels],
                "total": tally(sum(v for (st, _), v in counts.items() if st == s), status=s.value),
            }
            for s in statuses
        ],
        "by_level": [by_level(level) for level in levels],
        "total": tally(sum(counts.values()), stage="open"),
    }


def of_visible_incidents(queryset: QuerySet, *, user) -> QuerySet:
    """Rows of the incidents this person may see; for those who see every incident no condition at all (an IN over
    the whole table would make PostgreSQL join all of it)."""
    return (
        queryset if access.sees_all(user) else queryset.filter(incident__in=access.incidents_visible_to(user))
    )


def overdue_by_department_list(*, user, now: dt.datetime) -> list[dict]:
    """Incidents with a deadline open past its due time, by department, and whether it is under 督办: one query.

    Counted as incidents (the list's rows): one incident may have an overdue deadline under 督办 and another not
    yet, so 已督办 + 未督办 may exceed the incidents overdue.
    """
    rows = (
        of_visible_incidents(Deadline.objects.filter(overdue_deadlines(now=now)), user=user)
        .values(
            "incident__responsible_department_id",
            "incident__responsible_department__name",
            "incident__responsible_department__sort_order",
        )
        .annotate(
            n=Count("incident", distinct=True),
            escalated=Count("incident", distinct=True, filter=Q(escalated_at__isnull=False)),
            waiting=Count("incident", distinct=True, filter=Q(escalated_at__isnull=True)),
        )
        .order_by()
    )
    ordered = sorted(
        rows,
        key=lambda r: (
            -r["n"],
            r["incident__responsible_department__sort_order"],
            r["incident__responsible_department__name"],
        ),
    )
    result = []
    for row in ordered:
        department = row["incident__responsible_department_id"]
        result.append(
            {
                "name": row["incident__responsible_department__name"],
                "total": tally(row["n"], overdue="true", responsible_department=department),
                "escalated": tally(row["escalated"], escalated="1", responsible_department=department),
                "waiting": tally(row["waiting"], escalated="0", responsible_department=department),
            }
        )
    return result


def level_one_get(*, user, open_count: Tally) -> dict:
    """第十条 一级: the open level-1 incidents, the duties still outstanding by kind, and the oldest of those
    incidents with their outstanding duties (three queries)."""
    open_level_one = access.incidents_visible_to(user).filter(LEVEL_ONE_OPEN)
    duties = LevelOneDuty.objects.filter(duties_outstanding(), incident__in=open_level_one).aggregate(
        any=Count("incident", distinct=True),
        **{kind.value: Count("incident", distinct=True, filter=Q(kind=kind)) for kind in LevelOneDuty.Kind},
    )
    shown = open_level_one.order_by("reported_at", "id")[:LEVEL_ONE_SHOWN]
    incidents = list(
        shown.select_related("responsible_department").only(
            "number", "title", "status", "reported_at", "responsible_department__name"
        )
    )
    # Their outstanding duties through a subquery rather than a prefetch: a prefetch skips its query when no
    # incident is shown, and the page's query count would then depend on the data.
    outstanding: dict[int, list[LevelOneDuty]] = defaultdict(list)
    for duty in LevelOneDuty.objects.filter(duties_outstanding(), incident__in=shown.values("pk")).order_by(
        "id"
    ):
        outstanding[duty.incident_id].append(duty)
    for incident in incidents:
        incident.outstanding = outstanding[incident.pk]
    return {
        "open": open_count,
        "any": tally(duties["any"], level_one_open="any"),
        "by_kind": [
            {"label": kind.label, "count": tally(duties[kind.value], level_one_open=kind.value)}
            for kind in LevelOneDuty.Kind
        ],
        "incidents": incidents,
    }


def share(on_time: int, late: int) -> float | None:
    measured = on_time + late
    return round(100 * on_time / measured, 1) if measured else None


def timeliness_fold(*, rows: list[dict], period: Period) -> dict:
    """On time and late per department and for the whole college, for each of the three clocks:
    discovery → report (第七条), report → 研判, disposal end → 处置表 (第十条, 12 hours)."""
    names: dict[int, str] = {}
    counts: dict[str, dict[int, list[int]]] = {
        "first_report": defaultdict(lambda: [0, 0]),
        "assessment": defaultdict(lambda: [0, 0]),
        "filing": defaultdict(lambda: [0, 0]),
    }
    for row in rows:
        key = row["responsible_department_id"]
        names[key] = row["responsible_department__name"]
        counts["first_report"][key][0] += row["n"] - row["first_late"]
        counts["first_report"][key][1] += row["first_late"]
        counts["assessment"][key][0] += row["assessed_on_time"]
        counts["assessment"][key][1] += row["assessed_late"]
        counts["filing"][key][0] += row["filing_on_time"]
        counts["filing"][key][1] += row["filing_late"]
    base = period_params(period)
    params = {"first_report": "first_report_late", "assessment": "assessment_late", "filing": "filing_late"}

    def line(name: str, on_time: int, late: int, kind: str, **where) -> dict:
        return {
            "name": name,
            "on_time": tally(on_time, **base, **where, **{params[kind]: "0"}),
            "late": tally(late, **base, **where, **{params[kind]: "1"}),
            "measured": on_time + late,
            "share": share(on_time, late),
        }

    result = {}
    for kind, by_department in counts.items():
        lines = [
            line(names[key], on_time, late, kind, responsible_department=key)
            for key, (on_time, late) in by_department.items()
            if on_time + late
        ]
        lines.sort(key=lambda entry: (entry["share"], -entry["measured"], entry["name"]))
        whole = line(
            "全部",
            sum(v[0] for v in by_department.values()),
            sum(v[1] for v in by_department.values()),
            kind,
        )
        result[kind] = {"departments": lines, "whole": whole}
    return result
