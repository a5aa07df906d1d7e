"""Every read of the yearly evaluation (第十五条 目标绩效考核) and of the ledger, in a fixed number of queries.

What counts, for a calendar year of the college (Asia/Shanghai):
- an incident belongs to the year of its reported_at in Beijing time, and to its responsible department as it
  stands now (a reassigned incident counts for the department that handled it); merged duplicates do not count;
- everything recorded about an incident (deadlines, statements) counts in the incident's year;
- a head answers for the incidents reported while they headed the department (Department's history rows; before
  the first row the current head);
- only the department's own deadlines count as overdue or 督办: the 处置表 filing and the exchanges (第十条).
  党政办's statement review and the supervising leader's opinion are other people's deadlines.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from departments.models import Department, User
from incidents.models import Deadline, Incident, Level, ReplyStatement, Status
from incidents.models.deadlines import exchange_misses
from incidents.rules import Category
from monitoring.models import NilReport

from .models import KIND_FIGURES, WEIGHTED_FIGURES, EvaluationWeights, LedgerAttachment, LedgerEntry

EXCHANGE_KINDS = (Deadline.Kind.DAILY_EXCHANGE, Deadline.Kind.ROUND_THE_CLOCK)
# The deadlines a department (and its head) answers for: filing its 处置表 and exchanging information (第十条).
DEPARTMENT_KINDS = (Deadline.Kind.FILING, *EXCHANGE_KINDS)
NO_HEAD = 0  # the key of the incidents of a department that had no head when they were reported


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of the Beijing calendar year and of the next one (an incident at 00:30 on 1 January
    Beijing time is 16:30 on 31 December in UTC: it belongs to the new year)."""
    zone = timezone.get_default_timezone()
    start = timezone.make_aware(dt.datetime(year, 1, 1), zone)  # noqa: DTZ001 - made aware on this line
    end = timezone.make_aware(dt.datetime(year + 1, 1, 1), zone)  # noqa: DTZ001
    return start, end


def current_year() -> int:
    return timezone.localtime(timezone.now(), timezone.get_default_timezone()).year


@dataclass
class Figures:
    """The raw figures of one department or one head for the year."""

    incidents: int = 0
    by_level: dict = field(default_factory=dict)  # 1, 2, 3, or None (not yet assessed) → count
    by_category: dict = field(default_factory=dict)  # "A" … "E", or "" → count
    first_reports_late: int = 0
    exchanges_missed: int = 0
    filings_late: int = 0
    statements_returned: int = 0
    deadlines_overdue: int = 0
    overdue_total: dt.timedelta = dt.timedelta()
    overdue_max: dt.timedelta = dt.timedelta()
    escalations: int = 0
    nil_reports_missed: int = (
        0  # 第八条 零报告 not in by its due time (the department's; its liaison reports)
    )
    ledger: dict = field(default_factory=dict)  # LedgerEntry.Kind → count
    score: Decimal | None = None

    @property
    def overdue_hours(self) -> float:
        return round(self.overdue_total.total_seconds() / 3600, 2)

    @property
    def overdue_max_hours(self) -> float:
        return round(self.overdue_max.total_seconds() / 3600, 2)

    def figure(self, name: str) -> float:
        """A weighted figure by its name (WEIGHTED_FIGURES)."""
        for kind, figure in KIND_FIGURES.items():
            if figure == name:
                return self.ledger.get(kind, 0)
        return getattr(self, name)

    def levels(self) -> list[int]:
        return [self.by_level.get(level, 0) for level in LEVEL_ORDER]

    def categories(self) -> list[int]:
        return [self.by_category.get(code, 0) for code in CATEGORY_ORDER]

    def kinds(self) -> list[int]:
        return [self.ledger.get(kind, 0) for kind in LedgerEntry.Kind.values]


LEVEL_ORDER = (Level.ONE, Level.TWO, Level.THREE, None)
LEVEL_LABELS = [*(Level(v).label for v in LEVEL_ORDER if v is not None), "未研判"]
CATEGORY_ORDER = (*Category.values, "")
CATEGORY_LABELS = [*Category.labels, "未分类"]


@dataclass
class Row:
    key: int
    name: str
    figures: Figures
    departments: list[str] = field(default_factory=list)  # a head's departments in the year


@dataclass
class Evaluation:
    year: int
    departments: list[Row]
    heads: list[Row]
    weights: EvaluationWeights | None


def score(figures: Figures, weights: EvaluationWeights) -> Decimal:
    """基础分 + Σ 权重 × 指标 (the weights' docstring); overdue hours with two decimals."""
    total = weights.base
    for name in WEIGHTED_FIGURES:
        total += getattr(weights, name) * Decimal(str(figures.figure(name)))
    return total.quantize(Decimal("0.01"))


# --- the head at the time of each incident ------------------------------------------------------------------


def _head_periods(departments: list[Department], start: dt.datetime, end: dt.datetime) -> dict[int, list]:
    """For each department, [(from, to, head_id)] over the year from its history rows (one query)."""
    rows = Department.history.filter(id__in=[d.pk for d in departments]).order_by(
        "id", "history_date", "history_id"
    )
    changes: dict[int, list] = defaultdict(list)
    for pk, when, head_id in rows.values_list("id", "history_date", "head_id"):
        changes[pk].append((when, head_id))
    periods = {}
    for department in departments:
        # Before the first history row nothing is known but the head now (the brief's fall-back).
        spans, since, head = [], None, department.head_id
        for when, head_id in changes.get(department.pk, []):
            if head_id != head:
                spans.append((since, when, head))
                since, head = when, head_id
        spans.append((since, None, head))
        periods[department.pk] = [
            (since, until, head)
            for since, until, head in spans
            if (since is None or since < end) and (until is None or until > start)
        ]
    return periods


def head_at_report(periods: dict[int, list], prefix: str = "") -> Case:
    """An SQL expression: the head of the incident's responsible department when it was reported (NO_HEAD if none)."""
    whens = []
    for department_id, spans in periods.items():
        for since, until, head in spans:
            condition = Q(**{f"{prefix}responsible_department_id": department_id})
            if len(spans) > 1:
                if since is not None:
                    condition &= Q(**{f"{prefix}reported_at__gte": since})
                if until is not None:
                    condition &= Q(**{f"{prefix}reported_at__lt": until})
            whens.append(When(condition, then=Value(head or NO_HEAD)))
    return Case(*whens, default=Value(NO_HEAD), output_field=IntegerField())


# --- the evaluation -----------------------------------------------------------------------------------------


def _incidents_of(start: dt.datetime, end: dt.datetime, prefix: str = "") -> Q:
    return Q(**{f"{prefix}reported_at__gte": start, f"{prefix}reported_at__lt": end}) & ~Q(
        **{f"{prefix}status": Status.MERGED}
    )


def yearly_evaluation(*, year: int, now: dt.datetime | None = None) -> Evaluation:
    """The figures of every department and every head for the year (about ten queries, whatever the rows)."""
    now = now or timezone.now()
    start, end = year_bounds(year)
    departments = list(Department.objects.order_by("sort_order", "id"))
    periods = _head_periods(departments, start, end)
    by_pair: dict[tuple[int, int], Figures] = defaultdict(Figures)  # (department, head) → figures

    _count_incidents(by_pair, start, end, periods)
    _count_deadlines(by_pair, start, end, periods, now)
    _count_statements(by_pair, start, end, periods)
    ledger = _count_ledger(start, end)
    _count_nil_reports_missed(by_pair, start, end, periods, now)
    weights = EvaluationWeights.objects.filter(year=year).first()

    department_rows = []
    for department in departments:
        figures = Figures()
        for (department_id, _), pair in by_pair.items():
            if department_id == department.pk:
                _add(figures, pair)
        figures.ledger = dict(ledger["department"].get(department.pk, {}))
        if department.is_active or figures.incidents or figures.ledger or figures.nil_reports_missed:
            department_rows.append(Row(department.pk, department.name, figures))

    names = {d.pk: d.name for d in departments}
    heads: dict[int, Row] = {}
    wanted = {head for (_, head) in by_pair} | {d.head_id for d in departments if d.head_id and d.is_active}
    people = {u.pk: u.display_name for u in User.objects.filter(pk__in=wanted - {NO_HEAD})}
    for head in sorted(wanted, key=lambda pk: (pk == NO_HEAD, people.get(pk, ""), pk)):
        heads[head] = Row(head, people.get(head, "（未设负责人）"), Figures())
    for (department_id, head), pair in by_pair.items():
        _add(heads[head].figures, pair)
        heads[head].departments.append(names[department_id])
    for department in departments:
        if department.is_active and department.head_id and not heads[department.head_id].departments:
            heads[department.head_id].departments.append(department.name)
    for head, row in heads.items():
        row.departments = sorted(set(row.departments), key=list(names.values()).index)
        row.figures.ledger = dict(ledger["person"].get(head, {}))
    head_rows = [r for r in heads.values() if r.key != NO_HEAD or r.figures.incidents]

    if weights is not None:
        for row in (*department_rows, *head_rows):
            row.figures.score = score(row.figures, weights)
    return Evaluation(year, department_rows, head_rows, weights)


def _add(total: Figures, part: Figures) -> None:
    for name in ("incidents", "first_reports_late", "exchanges_missed", "filings_late", "statements_returned",
                 "deadlines_overdue", "overdue_total", "escalations", "nil_reports_missed"):  # fmt: skip
        setattr(total, name, getattr(total, name) + getattr(part, name))
    total.overdue_max = max(total.overdue_max, part.overdue_max)
    for mine, theirs in ((total.by_level, part.by_level), (total.by_category, part.by_category)):
        for key, n in theirs.items():
            mine[key] = mine.get(key, 0) + n


def _count_incidents(by_pair, start, end, periods) -> None:
    late = F("discovered_at") + dt.timedelta(minutes=settings.FIRST_REPORT_EXPECTED_MINUTES)
    rows = (
        Incident.objects.filter(_incidents_of(start, end))
        .annotate(head=head_at_report(periods))
        .values("responsible_department_id", "head", "level", "category")
        .annotate(n=Count("id"), late=Count("id", filter=Q(reported_at__gt=late)))
        .order_by()
    )
    for row in rows:
        figures = by_pair[row["responsible_department_id"], row["head"]]
        figures.incidents += row["n"]
        figures.first_reports_late += row["late"]
        figures.by_level[row["level"]] = figures.by_level.get(row["level"], 0) + row["n"]
        figures.by_category[row["category"]] = figures.by_category.get(row["category"], 0) + row["n"]


def _count_deadlines(by_pair, start, end, periods, now) -> None:
    deadlines = Deadline.objects.filter(_incidents_of(start, end, "incident__"), kind__in=DEPARTMENT_KINDS)
    pair = ("incident__responsible_department_id", "head")
    # Deadline.late_by in SQL: how long past due it was met or closed, or is while still open.
    ended = Coalesce("met_at", "closed_at", Value(now))
    late_by = ExpressionWrapper(ended - F("due_at"), output_field=DurationField())
    late = Q(met_at__gt=F("due_at")) | Q(met_at__isnull=True, closed_at__gt=F("due_at"))
    late |= Q(met_at__isnull=True, closed_at__isnull=True, due_at__lt=now)
    rows = (
        deadlines.annotate(head=head_at_report(periods, "incident__"))
        .values(*pair)
        .annotate(
            # An exchange closed after its due time has its misses fixed in the row (incidents.services).
            misses=Sum("misses", filter=Q(kind__in=EXCHANGE_KINDS) & ~Q(state=Deadline.State.OPEN)),
            filings_late=Count("id", filter=Q(kind=Deadline.Kind.FILING) & late),
            overdue=Count("id", filter=late),
            overdue_total=Sum(late_by, filter=late),
            overdue_max=Max(late_by, filter=late),
            escalations=Count("id", filter=Q(escalated_at__isnull=False)),
        )
        .order_by()
    )
    for row in rows:
        figures = by_pair[row[pair[0]], row["head"]]
        figures.exchanges_missed += row["misses"] or 0
        figures.filings_late += row["filings_late"]
        figures.deadlines_overdue += row["overdue"]
        figures.overdue_total += _duration(row["overdue_total"])
        figures.overdue_max = max(figures.overdue_max, _duration(row["overdue_max"]))
        figures.escalations += row["escalations"]
    # An exchange still open and overdue: the reports missed so far (its row is fixed only when it closes).
    still_open = (
        deadlines.filter(kind__in=EXCHANGE_KINDS, state=Deadline.State.OPEN, due_at__lt=now)
        .annotate(head=head_at_report(periods, "incident__"))
        .values_list(*pair, "kind", "due_at")
    )
    for department_id, head, kind, due_at in still_open:
        by_pair[department_id, head].exchanges_missed += exchange_misses(kind, due_at, now)


def _duration(value) -> dt.timedelta:
    """A summed duration as the database gives it (a timedelta; microseconds on some backends)."""
    if value is None:
        return dt.timedelta()
    return value if isinstance(value, dt.timedelta) else dt.timedelta(microseconds=int(value))


def _count_statements(by_pair, start, end, periods) -> None:
    rows = (
        ReplyStatement.objects.filter(
            _incidents_of(start, end, "incident__"), status=ReplyStatement.Status.REJECTED
        )
        .annotate(head=head_at_report(periods, "incident__"))
        .values("incident__responsible_department_id", "head")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        by_pair[row["incident__responsible_department_id"], row["head"]].statements_returned += row["n"]


def _head_on(spans: list, moment: dt.datetime) -> int:
    for since, until, head in spans:
        if (since is None or since <= moment) and (until is None or moment < until):
            return head or NO_HEAD
    return NO_HEAD


def _count_nil_reports_missed(by_pair, start, end, periods, now) -> None:
    """零报告 of the year's days not in by their due time (one query): marked overdue by the sweep, submitted late,
    or still missing past the due time before the sweep came by (第十五条: a miss is a miss). The department's,
    and its head's at the due time."""
    zone = timezone.get_default_timezone()
    first, last = timezone.localtime(start, zone).date(), timezone.localtime(end, zone).date()
    missed = (
        Q(overdue_at__isnull=False)
        | Q(submitted_at__gt=F("due_at"))
        | Q(submitted_at__isnull=True, due_at__lte=now)
    )
    rows = NilReport.objects.filter(missed, day__gte=first, day__lt=last).values_list(
        "department_id", "due_at"
    )
    for department_id, due_at in rows:
        head = _head_on(periods.get(department_id, []), due_at)
        by_pair[department_id, head].nil_reports_missed += 1


def _count_ledger(start: dt.datetime, end: dt.datetime) -> dict:
    """Entries decided in the year by department and by the person they name, counted by kind (one query)."""
    zone = timezone.get_default_timezone()
    first, last = timezone.localtime(start, zone).date(), timezone.localtime(end, zone).date()
    rows = (
        LedgerEntry.objects.filter(decided_on__gte=first, decided_on__lt=last)
        .values("department_id", "person_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    counted = {
        "department": defaultdict(lambda: defaultdict(int)),
        "person": defaultdict(lambda: defaultdict(int)),
    }
    for row in rows:
        counted["department"][row["department_id"]][row["kind"]] += row["n"]
        if row["person_id"]:
            counted["person"][row["person_id"]][row["kind"]] += row["n"]
    return counted


# --- the ledger ---------------------------------------------------------------------------------------------


def ledger_list(*, entries: QuerySet[LedgerEntry], year: int | None, kind: str, department_id: int | None):
    """The ledger's rows with what the list shows, in one query (plus one for the linked incidents)."""
    if year:
        entries = entries.filter(decided_on__year=year)
    if kind:
        entries = entries.filter(kind=kind)
    if department_id:
        entries = entries.filter(department_id=department_id)
    return (
        entries.select_related("department", "person", "recorded_by")
        .prefetch_related("incidents")
        .annotate(attachment_count=Count("attachments", distinct=True))
        .order_by("-decided_on", "-id")
    )


def ledger_entry_get(*, entries: QuerySet[LedgerEntry], pk: int) -> LedgerEntry | None:
    return (
        entries.select_related("department", "person", "recorded_by")
        .prefetch_related("incidents", "attachments")
        .filter(pk=pk)
        .first()
    )


def ledger_entry_history(*, entry: LedgerEntry) -> list:
    return list(entry.history.select_related("history_user").order_by("-history_date", "-history_id"))


def attachment_get(*, pk: int) -> LedgerAttachment | None:
    return LedgerAttachment.objects.select_related("entry").filter(pk=pk).first()


def weights_for(*, year: int) -> EvaluationWeights | None:
    """The year's weights, or None (then there is no score)."""
    return EvaluationWeights.objects.filter(year=year).first()


def weights_template(*, year: int) -> EvaluationWeights | None:
    """What a new year's weights form starts from: the latest earlier year's, if any."""
    return EvaluationWeights.objects.filter(year__lt=year).order_by("-year").first()
