"""Reads about incidents; every one starts from access.incidents_visible_to."""

import datetime as dt
import difflib
import hashlib
from dataclasses import dataclass
from typing import TypedDict

from django.conf import settings
from django.core.cache import cache
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from notifications.models import Notice

from . import access
from .models import (
    Deadline,
    DisposalForm,
    Evidence,
    Incident,
    IncidentEvent,
    Level,
    ProgressReport,
    ReplyStatement,
    ReviewWaiver,
    SchedulerHeartbeat,
    Status,
    duty_deadline_kind,
)


def incident_list(*, user) -> QuerySet[Incident]:
    """The user's incidents with what a list row shows (next deadline included), in one query."""
    return incident_list_columns(incidents=access.incidents_visible_to(user))


# What a list row (the list, the home page's short lists) shows; reading only these skips the long texts and
# a third of the list's row work. A template reading another field would cost a query per row: the tests of
# constant query counts catch it.
LIST_COLUMNS = (
    "number",
    "title",
    "level",
    "category",
    "status",
    "reported_at",
    "responsible_department__name",
)


def incident_list_columns(*, incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    """What a list row shows: the department's name and the next open deadline, in the same query."""
    next_due = (
        Deadline.objects.filter(incident=OuterRef("pk"), state=Deadline.State.OPEN)
        .order_by("due_at")
        .values("due_at")[:1]
    )
    return (
        incidents.select_related("responsible_department")
        .only(*LIST_COLUMNS)
        .annotate(next_due_at=Subquery(next_due))
    )


class ListRow(TypedDict):
    """One list row, every cell already a plain value: what the template shows, nothing it must look up."""

    url: str
    number: str
    title: str
    department: str
    status: str
    level: int | None
    level_label: str
    category: str
    due: str  # "m-d H:i" in Beijing time, or ""
    due_iso: str  # for the live countdown, or ""
    overdue: bool
    reported: str


# A row of plain values rather than the model: the list (the page people open most) formats each cell once, in
# Beijing time, and the template only prints. The labels are the models' own choices.
_STATUS_LABELS = dict(Status.choices)
_LEVEL_LABELS = dict(Level.choices)


def incident_list_rows(*, incidents, now: dt.datetime) -> list[ListRow]:
    """The rows of one page (incidents read through incident_list_columns), formatted as the list shows them."""
    rows = []
    for i in incidents:
        due = i.next_due_at and timezone.localtime(i.next_due_at)
        rows.append(
            ListRow(
                url=reverse("incidents:detail", args=[i.pk]),
                number=i.number,
                title=i.title,
                department=i.responsible_department.name,
                status=_STATUS_LABELS.get(i.status, i.status),
                level=i.level,
                level_label=_LEVEL_LABELS.get(i.level, ""),
                category=i.category,
                due=due.strftime("%m-%d %H:%M") if due else "",
                due_iso=due.isoformat() if due else "",
                overdue=bool(due) and due < now,
                reported=timezone.localtime(i.reported_at).strftime("%Y-%m-%d %H:%M"),
            )
        )
    return rows


# Counting the rows of a long list scans every row the person may see, on every page — for the office the whole
# table, for a department its rows scattered through it — more than the rest of the list's queries. Up to
# this many rows the count is exact and live (LIMIT stops the scan there, four pages of rows); above it the page
# shows the exact count of at most COUNT_CACHE_SECONDS ago, rounded and marked "约" — nobody pages through a
# hundred rows by their total, and the rows themselves are always read live.
COUNT_EXACT_UP_TO = 100
COUNT_CACHE_SECONDS = 60

# A search is counted up to this many rows, exactly and live, and no further: its first visit has no cached count,
# and a full count of a common word checks every match (each word's conditions on each row), while the page shows
# 25 of them. Above it the page says there are more than that and asks for more words; nobody reads a thousand
# matches. Below it the count is as cheap as the LIMIT makes it, so it stays exact rather than rounded.
SEARCH_COUNT_UP_TO = 1000


@dataclass(frozen=True)
class RowCount:
    """How many rows a list has: exact; approximate (above COUNT_EXACT_UP_TO), which the page says; or, for a
    search, `more` than `value` — counted that far and no further, which the page says too."""

    value: int
    approximate: bool = False
    more: bool = False

    @property
    def shown(self) -> int:
        """The number a person reads: exact, or rounded to two significant digits when approximate."""
        if not self.approximate:
            return self.value
        return round(self.value, 2 - len(str(self.value)))

    @property
    def paged(self) -> int:
        """The count to page by: with more rows than counted, one beyond, so the last counted page has a next."""
        return self.value + 1 if self.more else self.value


# A cached count at least this large is used without the capped count first: to fall from there to the exact
# range within COUNT_CACHE_SECONDS, a hundred incidents would have to leave the list in a minute; so a long list
# skips even the capped count.
COUNT_SURELY_LONG = 2 * COUNT_EXACT_UP_TO


def incident_list_count(*, incidents: QuerySet[Incident], searched_to: int | None = None) -> RowCount:
    """The number of rows of a filtered list (pass it before incident_list_columns: no per-row subqueries).

    `searched_to`, for a list narrowed by search words: the number of rows up to the end of the page asked for.
    The count then stops at SEARCH_COUNT_UP_TO, or past that page when it lies further, so its 下一页 is known."""
    plain = incidents.order_by().values("pk")
    # The key is the query itself (the user's scope and the filters are in it), so no two lists share a count.
    sql, params = plain.query.sql_with_params()
    key = "incident-count:" + hashlib.sha256(repr((sql, params)).encode()).hexdigest()
    if searched_to is not None:
        bound = max(SEARCH_COUNT_UP_TO, searched_to)
        # That a search goes beyond its bound is kept for COUNT_CACHE_SECONDS, as COUNT_SURELY_LONG is: its matches
        # do not fall below the bound within a minute, so paging through a common word counts it once. A count
        # below the bound is exact, and stays live.
        more_key = f"{key}:more-than:{bound}"
        if cache.get(more_key):
            return RowCount(bound, more=True)
        counted = plain[: bound + 1].count()  # COUNT over a LIMITed subquery
        if counted <= bound:
            return RowCount(counted)
        cache.set(more_key, True, COUNT_CACHE_SECONDS)
        return RowCount(bound, more=True)
    total = cache.get(key)
    if total is not None and total >= COUNT_SURELY_LONG:
        return RowCount(total, approximate=True)
    capped = plain[: COUNT_EXACT_UP_TO + 1].count()
    if capped <= COUNT_EXACT_UP_TO:
        return RowCount(capped)
    if total is None:
        total = plain.count()
        cache.set(key, total, COUNT_CACHE_SECONDS)
    return RowCount(total, approximate=True)


def statement_list_submitted() -> QuerySet[ReplyStatement]:
    """党政办's queue: submitted statements, oldest first, with the incident context."""
    return (
        ReplyStatement.objects.filter(status=ReplyStatement.Status.SUBMITTED)
        .select_related("incident__responsible_department", "author")
        .order_by("submitted_at")
    )


def statement_review_queue(*, limit: int = 50) -> list[ReplyStatement]:
    """党政办's queue with each statement's previous version and the change from it, in two queries."""
    statements = list(statement_list_submitted()[:limit])
    earlier = ReplyStatement.objects.filter(incident_id__in={s.incident_id for s in statements}).order_by(
        "incident_id", "number"
    )
    by_incident: dict[int, list[ReplyStatement]] = {}
    for version in earlier:
        by_incident.setdefault(version.incident_id, []).append(version)
    for statement in statements:
        before = [v for v in by_incident.get(statement.incident_id, []) if v.number < statement.number]
        statement.previous = before[-1] if before else None
        statement.diff_html = statement_diff(statement.previous.text, statement.text) if before else ""
    return statements


def statement_diff(previous: str, text: str) -> str:
    """The change from the previous text, as escaped HTML with <ins>/<del>."""
    out = []
    matcher = difflib.SequenceMatcher(a=previous, b=text, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape(previous[a1:a2]))
        if op in ("delete", "replace"):
            out.append(f"<del>{escape(previous[a1:a2])}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{escape(text[b1:b2])}</ins>")
    return "".join(out)


def deadline_list_open(*, user) -> QuerySet[Deadline]:
    return (
        Deadline.objects.filter(state=Deadline.State.OPEN, incident__in=access.incidents_visible_to(user))
        .select_related("incident")
        .order_by("due_at")
    )


def sweep_last_at() -> dt.datetime | None:
    """When the deadline sweep last ran (None before the first sweep)."""
    return SchedulerHeartbeat.objects.filter(pk=1).values_list("last_sweep_at", flat=True).first()


MERGED_INTO_HIDDEN = "作为重复上报合并至另一条舆情（该舆情不在您的查看范围内）"
MERGED_FROM_HIDDEN = "合并了一条重复上报（该上报不在您的查看范围内）"


def _hide_unseen_merges(events: list, *, incident: Incident, viewer) -> list:
    """A case-log line about another incident (a merge) names that incident only to who may see it (第五条: only
    people with a reason to see an incident learn of it)."""
    related = {e.related_id for e in events if e.related_id}
    if related:
        visible = set(access.incidents_visible_to(viewer).filter(pk__in=related).values_list("pk", flat=True))
        for event in events:
            if event.related_id and event.related_id not in visible:
                event.message = (
                    MERGED_INTO_HIDDEN if event.related_id == incident.merged_into_id else MERGED_FROM_HIDDEN
                )
    return events


# The detail page shows the latest few of each growing list and loads the earlier ones on demand, a page at a
# time: a level-1 case reporting every four hours gathers hundreds of case-log lines, and a page that read them
# all on every visit would grow with the case. Earlier pages are cut by a cursor (the oldest row shown), not an
# offset, so a line added meanwhile neither repeats nor skips a row.
EVENTS_SHOWN, EVENTS_PAGE = 10, 20
PROGRESS_SHOWN, PROGRESS_PAGE = 5, 10
STATEMENTS_SHOWN, STATEMENTS_PAGE = 5, 5


@dataclass(frozen=True)
class Slice:
    """Some rows of a list, newest first, with how many earlier rows remain and where the next page starts."""

    rows: list
    earlier: int  # rows older than these, not shown yet
    page: int  # how many rows a click on "更早的 N 条" loads

    @property
    def cursor(self):
        """The oldest row shown: the next page is what came before it."""
        return self.rows[-1] if self.rows else None

    @property
    def next_count(self) -> int:
        return min(self.page, self.earlier)

    @property
    def oldest_first(self) -> list:
        return self.rows[::-1]


def _before(rows: QuerySet, cursor) -> QuerySet:
    """Rows older than `cursor` (a row of the same list) in the list's order (created_at, then id)."""
    at, pk = cursor
    return rows.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk))


def _slice(rows: QuerySet, *, size: int, page: int, total: int | None = None, newest=("-created_at", "-pk")):
    """The `size` newest of `rows`; the earlier ones are counted (or taken from `total`, counted beforehand)."""
    shown = list(rows.order_by(*newest)[:size])
    if len(shown) < size:
        earlier = 0
    elif total is not None:
        earlier = max(0, total - len(shown))
    else:
        earlier = rows.count() - len(shown)
    return Slice(shown, earlier, page)


def _events(incident: Incident) -> QuerySet:
    return incident.events.select_related("actor")


def _progress(incident: Incident) -> QuerySet:
    return incident.progress_reports.select_related("author")


def _statements(incident: Incident) -> QuerySet:
    return incident.statements.select_related("author", "reviewed_by")


def _row_cursor(rows: QuerySet, pk) -> tuple | None:
    """(created_at, pk) of the row `pk` of this list, or None when it is not one of its rows."""
    at = rows.filter(pk=pk).values_list("created_at", flat=True).first() if str(pk).isdigit() else None
    return (at, int(pk)) if at is not None else None


def incident_events_before(*, incident: Incident, viewer, before="") -> Slice | None:
    """The page of case-log lines before the line `before`, or the latest page without one (None: `before` is
    no line of this incident)."""
    rows = _events(incident)
    if before:
        cursor = _row_cursor(incident.events, before)
        if cursor is None:
            return None
        rows = _before(rows, cursor)
    found = _slice(rows, size=EVENTS_PAGE, page=EVENTS_PAGE)
    _hide_unseen_merges(found.rows, incident=incident, viewer=viewer)
    return found


def incident_progress_before(*, incident: Incident, before="") -> Slice | None:
    """The page of progress reports before the report `before`, or the latest page without one (None: `before`
    is no report of this incident)."""
    rows = _progress(incident)
    if before:
        cursor = _row_cursor(incident.progress_reports, before)
        if cursor is None:
            return None
        rows = _before(rows, cursor)
    return _slice(rows, size=PROGRESS_PAGE, page=PROGRESS_PAGE)


def incident_statements_before(*, incident: Incident, before="") -> Slice | None:
    """The statement versions numbered below `before`, or the latest ones without it (None: not a number)."""
    rows = _statements(incident)
    if before:
        if not str(before).isdigit():
            return None
        rows = rows.filter(number__lt=int(before))
    return _slice(rows, size=STATEMENTS_PAGE, page=STATEMENTS_PAGE, newest=("-number",))


def _record_counts(incident: Incident) -> dict[str, int]:
    """How many case-log lines, progress reports and statement versions the incident has, and its latest case-log
    line, in one query."""

    def count(model, *conditions, **where):
        rows = (
            model.objects.filter(*conditions, incident=OuterRef("pk"), **where).order_by().values("incident")
        )
        return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), 0)

    latest = IncidentEvent.objects.filter(incident=OuterRef("pk")).order_by("-pk").values("pk")[:1]
    row = (
        Incident.objects.filter(pk=incident.pk)
        .annotate(
            n_events=count(IncidentEvent),
            n_progress=count(ProgressReport),
            n_statements=count(ReplyStatement),
            # Only the latest versions are read: whether any approved one exists (结束处置's precondition,
            # 第十条) is counted here, so an older approved version is not missed.
            n_approved=count(
                ReplyStatement, status__in=(ReplyStatement.Status.APPROVED, ReplyStatement.Status.PUBLISHED)
            ),
            n_last_event=Coalesce(Subquery(latest), 0),
            n_closed_exchange=count(Deadline, CLOSED_EXCHANGE),
        )
        .values("n_events", "n_progress", "n_statements", "n_approved", "n_last_event", "n_closed_exchange")
        .first()
    ) or {}
    keys = ("events", "progress", "statements", "approved", "last_event", "closed_exchange")
    return {key: row.get(f"n_{key}", 0) for key in keys}


@dataclass(frozen=True)
class Measure:
    """第一时间: how long a step took against the expected minutes (shown, never blocking)."""

    label: str
    started_at: dt.datetime
    done_at: dt.datetime | None
    expected_minutes: int

    @property
    def minutes(self) -> int | None:
        end = self.done_at or timezone.now()
        return int((end - self.started_at).total_seconds() // 60)

    @property
    def late(self) -> bool:
        return self.minutes > self.expected_minutes


ALERTS = {
    "level_alert": "研判/升级后通知党政办",
    "level_one_alert": "一级舆情通知学校党政主要领导",
}


def incident_first_time_measures(*, incident: Incident) -> list[Measure]:
    """From discovery to the office; from a level-2/1 decision to the notices reaching 党政办 / top leaders."""
    measures = [
        Measure(
            "发现到上报党群工作部",
            incident.discovered_at,
            incident.reported_at,
            settings.FIRST_REPORT_EXPECTED_MINUTES,
        )
    ]
    rows = Notice.objects.filter(
        incident=incident, kind__in=ALERTS, channel=Notice.Channel.IN_APP
    ).values_list("kind", "dedupe_key", "created_at", "sent_at")
    events: dict[str, list] = {}
    for kind, key, created, sent in rows:
        # One measure per alert event (the key's prefix), done when every recipient has it.
        events.setdefault(key.rsplit(":", 2)[0], []).append((kind, created, sent))
    for items in sorted(events.values(), key=lambda items: items[0][1]):
        sent = [item[2] for item in items]
        done = None if None in sent else max(sent)
        measures.append(
            Measure(ALERTS[items[0][0]], items[0][1], done, settings.LEVEL_ALERT_EXPECTED_MINUTES)
        )
    return measures


OPEN_FOR_DEPARTMENT = (Status.IN_DISPOSAL, Status.DISPOSAL_ENDED, Status.RETURNED)


def home_lists(*, user) -> dict:
    """工作台: the short lists beside the worklist (each a bounded query)."""
    visible = incident_list(user=user)
    return {
        "deadlines": deadline_list_open(user=user)[:10],
        "mine": visible.filter(status__in=OPEN_FOR_DEPARTMENT)[:10],
        "my_reports": Incident.objects.filter(reporter=user).select_related("responsible_department")[:5],
    }


AFTER_DISPOSAL = (
    Status.DISPOSAL_ENDED,
    Status.FORM_SUBMITTED,
    Status.RETURNED,
    Status.FILED,
    Status.ARCHIVED,
)


# What the page shows of a case's own records is remembered between visits (a case is read far more often than it
# changes: everyone concerned opens it, the office several times an hour). Every change to them passes through one
# door, the services, which write a case-log line with it (services.common.log_event; the deadline sweep's lines
# too): so the latest line, with the incident's version, names the state they show. The key is read before the
# records, so a change committed between the two leaves records newer than their key, never older, and the next
# visit reads the newer key. What changes without a case-log line is read live on every visit: the deadlines
# (the sweep marks them reminded and overdue), the joint meetings' decisions (the meetings app) and the notices'
# delivery (第一时间). What else might change without a line (a person's name, a thumbnail made afterwards by
# `make_thumbnails`) shows within RECORDS_CACHE_SECONDS. Redis unreachable: read every time (the cache answers a
# miss).
RECORDS_CACHE_SECONDS = 600
RECORDS_KEY_PREFIX = "incident-records"


def _records_key(incident: Incident, counts: dict) -> str:
    return (
        f"{RECORDS_KEY_PREFIX}:{incident.pk}:{incident.version}:{counts['last_event']}:"
        f"{counts['events']}:{counts['statements']}:{counts['progress']}"
    )


def _case_records(incident: Incident, counts: dict) -> dict:
    """The records of the case that change only with a case-log line (see above): the same for every viewer."""
    after_disposal = incident.status in AFTER_DISPOSAL
    duties = list(incident.level_one_duties.select_related("recorded_by", "waived_by").order_by("id"))
    return {
        "statements": _slice(
            _statements(incident),
            size=STATEMENTS_SHOWN,
            page=STATEMENTS_PAGE,
            total=counts["statements"],
            newest=("-number",),
        ),
        "timeline": _slice(_events(incident), size=EVENTS_SHOWN, page=EVENTS_PAGE, total=counts["events"]),
        "disposal_form": DisposalForm.objects.filter(incident=incident)
        .select_related("leader_opinion_by", "opinion_waived_by", "head_signed_by", "reviewed_by")
        .first(),
        # 复盘会 come after the disposal: a case still being handled costs no query for them.
        "meetings": list(incident.review_meetings.select_related("recorded_by")) if after_disposal else [],
        "review_waiver": ReviewWaiver.objects.filter(incident=incident).select_related("waived_by").first()
        if after_disposal
        else None,
        # 舆情处置小组: named once the incident is assessed.
        "team": list(incident.team_members.select_related("user", "user__department"))
        if incident.status != Status.REPORTED
        else [],
        "sources": list(incident.sources.all()),
        "evidence": list(incident.evidence.select_related("uploaded_by")),
        "duties": duties,
        "upward_reports": _upward_reports(incident, duties),
        "contacts": list(incident.contacts.select_related("recorded_by")),
        "progress": _slice(
            _progress(incident), size=PROGRESS_SHOWN, page=PROGRESS_PAGE, total=counts["progress"]
        ),
        "escalations": list(incident.escalations.select_related("actor")),
    }


def incident_records(*, incident: Incident, viewer) -> dict:
    """Everything recorded on an incident that its page shows, each a query of its own (none per row); the case's
    own records remembered until the next change to the case."""
    counts = _record_counts(incident)
    seconds = RECORDS_CACHE_SECONDS
    key = _records_key(incident, counts)
    records = cache.get(key) if seconds else None
    if records is None:
        records = _case_records(incident, counts)
        if seconds:
            cache.set(key, records, seconds)  # before anything below changes the rows for this viewer
    statements, events = records["statements"], records["timeline"]
    _hide_unseen_merges(events.rows, incident=incident, viewer=viewer)
    deadlines = _deadlines_shown(incident)
    earlier = max(0, counts["closed_exchange"] - HISTORY_SHOWN)
    _with_deadlines(records["duties"], deadlines)
    return {
        **records,
        "deadline_history_earlier": earlier,
        # The first deadline of the exchange's current run (its "首次截止") may be older than the history shown.
        "exchange_run_first": _exchange_run_first(incident, deadlines) if earlier else None,
        "statements": statements.rows,  # the latest versions, newest first
        "has_approved_statement": counts["approved"] > 0,
        "statements_slice": statements,
        "deadlines": deadlines,
        # 第四条: what joint meetings decided about it (the meetings app hangs them on the incident; incidents
        # reads them by the reverse relation and never imports that app).
        "joint_decisions": list(
            incident.joint_decisions.select_related("meeting").order_by("meeting__held_at", "id")
        ),
        "measures": incident_first_time_measures(incident=incident),
    }


def level_one_records(*, incident: Incident) -> dict:
    """The deadlines, the level-1 duties each with its deadline, the reports upward and the contacts (第九条、
    第十条): four queries whatever their number."""
    deadlines = list(incident.deadlines.order_by("-state", "due_at"))
    duties = list(incident.level_one_duties.select_related("recorded_by", "waived_by").order_by("id"))
    _with_deadlines(duties, deadlines)
    return {
        "deadlines": deadlines,
        "duties": duties,
        "upward_reports": _upward_reports(incident, duties),
        "contacts": list(incident.contacts.select_related("recorded_by")),
    }


# At level 1 every progress report closes the exchange deadline and opens the next: a fortnight at one report every
# four hours is some 84 closed ones. The page reads the open deadlines and those of the other kinds (a handful per
# case: the filing, the leader's opinion, the statement reviews, the level-1 duties), and only the latest closed
# exchange deadlines, counting the rest (_record_counts), so it does not grow with the case.
HISTORY_SHOWN = 10
EXCHANGE_KINDS = (Deadline.Kind.DAILY_EXCHANGE, Deadline.Kind.ROUND_THE_CLOCK)
CLOSED_EXCHANGE = Q(kind__in=EXCHANGE_KINDS) & ~Q(state=Deadline.State.OPEN)


def _deadlines_shown(incident: Incident) -> list[Deadline]:
    """The incident's deadlines but the closed exchange ones beyond the latest HISTORY_SHOWN, in one query."""
    closed_exchange = ExpressionWrapper(CLOSED_EXCHANGE, output_field=BooleanField())
    rows = incident.deadlines.annotate(
        closed_exchange=closed_exchange,
        recent=Window(
            RowNumber(), partition_by=[closed_exchange], order_by=[F("due_at").desc(), F("pk").desc()]
        ),
    ).filter(Q(closed_exchange=False) | Q(recent__lte=HISTORY_SHOWN))
    return list(rows.order_by("-state", "due_at"))


def _exchange_run_first(incident: Incident, deadlines: list[Deadline]) -> Deadline | None:
    """The first deadline of the open exchange's run (since the last deadline of the other exchange kind: a level
    change restarts it), read when the history shown may not reach back to it."""
    current = next(
        (d for d in deadlines if d.state == Deadline.State.OPEN and d.kind in EXCHANGE_KINDS), None
    )
    if current is None:
        return None
    exchange = incident.deadlines.filter(kind__in=EXCHANGE_KINDS)
    since = (
        exchange.exclude(kind=current.kind)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    run = exchange.filter(kind=current.kind)
    if since is not None:
        run = run.filter(created_at__gte=since)
    return run.order_by("created_at", "pk").first()


def _with_deadlines(duties: list, deadlines: list) -> None:
    """Each duty with its deadline: the open one, else the last one closed."""
    latest = {}
    for deadline in sorted(deadlines, key=lambda d: (d.state == Deadline.State.OPEN, d.created_at, d.pk)):
        latest[deadline.kind] = deadline
    for duty in duties:
        duty.deadline = latest.get(duty_deadline_kind(duty.kind))


def _upward_reports(incident: Incident, duties: list) -> list:
    # Reports upward are level-1 business (第九条): a case never at level 1 costs no query for them.
    if duties or incident.level == Level.ONE:
        return list(incident.upward_reports.select_related("reported_by", "recorded_by"))
    return []


def evidence_get(*, pk: int) -> Evidence | None:
    return Evidence.objects.filter(pk=pk).select_related("incident").first()


WEEKDAYS = "一二三四五六日"


def _day_label(day: dt.date) -> str:
    return f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）"


def _end_of_day_label(day: dt.date) -> str:
    """A daily deadline (midnight starting the next day) named by the day it closes: 12月3日（周四）24:00."""
    return f"{_day_label(day)} 24:00"


@dataclass
class DeadlineCardRow:
    """An open deadline as the card shows it once: its label, its due time, and for a daily exchange the day
    whose report it asks for."""

    deadline: Deadline
    due_label: str
    overdue: bool
    covers_day: str = ""


@dataclass
class ExchangeStatus:
    """第十条 互通信息 spelled out: the rule with its first due time, whether this period's report is in, what is next."""

    rule: str
    done: bool
    status: str
    next_due: str


@dataclass
class DeadlineCard:
    rows: list[DeadlineCardRow]
    history: list[Deadline]
    exchange: ExchangeStatus | None
    earlier: int = 0  # closed deadlines older than the history read (HISTORY_SHOWN)

    @property
    def history_total(self) -> int:
        return len(self.history) + self.earlier


def deadline_card(
    *, deadlines: list, reports, now: dt.datetime, earlier: int = 0, run_first: Deadline | None = None
) -> DeadlineCard | None:
    """The 时限 card: each open deadline once, the closed ones apart (at level 1 every report closes one and
    opens the next, so they pile up), and the exchange's cadence with this period's report. Reads nothing
    new: `deadlines` is the page's list, `reports` its latest progress reports, newest first (only the latest one is read)."""
    if not deadlines:
        return None
    # 第十条's days are Beijing days, whatever zone a request activated.
    zone = timezone.get_default_timezone()
    rows, history, exchange = [], [], None
    for deadline in deadlines:
        if deadline.state != Deadline.State.OPEN:
            history.append(deadline)
            continue
        due = timezone.localtime(deadline.due_at, zone)
        row = DeadlineCardRow(deadline, f"{due:%m-%d %H:%M}", deadline.due_at < now)
        if deadline.kind == Deadline.Kind.DAILY_EXCHANGE:
            # Due at midnight: it asks for the report of the day that midnight closes.
            day = due.date() - dt.timedelta(days=1)
            row.due_label, row.covers_day = _end_of_day_label(day), _day_label(day)
        rows.append(row)
        if deadline.kind in EXCHANGE_KINDS:
            exchange = _exchange_status(deadline, deadlines, reports, now, zone, run_first)
    history.sort(key=lambda d: (d.due_at, d.pk), reverse=True)
    return DeadlineCard(rows, history, exchange, earlier)


def _exchange_status(
    current: Deadline, deadlines, reports, now: dt.datetime, zone, run_first: Deadline | None = None
) -> ExchangeStatus:
    # This run of the exchange: its deadlines since the last one of the other kind (a level change restarts it);
    # its first one read apart (`run_first`) when the deadlines read do not reach back to it.
    other = [d.created_at for d in deadlines if d.kind != current.kind and d.kind in EXCHANGE_KINDS]
    since = max(other, default=None)
    first = run_first or min(
        (d for d in deadlines if d.kind == current.kind and (since is None or d.created_at >= since)),
        key=lambda d: (d.created_at, d.pk),
    )
    started = timezone.localtime(first.created_at, zone)
    latest = max((r.created_at for r in reports), default=None)
    latest = timezone.localtime(latest, zone) if latest and latest >= first.created_at else None
    due = timezone.localtime(current.due_at, zone)
    late = "（已逾期）" if current.due_at < now else ""
    if current.kind == Deadline.Kind.DAILY_EXCHANGE:
        today = timezone.localtime(now, zone).date()
        covers = due.date() - dt.timedelta(days=1)
        first_covers = timezone.localtime(first.due_at, zone).date() - dt.timedelta(days=1)
        rule = (
            "二级响应：处置结束前，每个自然日（北京时间 0:00–24:00）报送一次互通信息，"
            f"当天报送即计入当天；首次截止 {_end_of_day_label(first_covers)}；"
            f"开始当日 {_day_label(started.date())} 由第一时间报告覆盖。"
        )
        if latest and latest.date() == today:
            done, status = True, f"今日 {_day_label(today)} 已报送 ✓（{latest:%H:%M}）"
        elif today == started.date():
            done = True
            status = f"今日 {_day_label(today)} 为开始当日，已由第一时间报告覆盖；今日再报送也计入今日"
        else:
            done, status = False, f"今日 {_day_label(today)} 尚未报送，须在今日 24:00 前报送"
        if covers < today:  # overdue: the day asked for has passed without a report
            next_due = f"待补报：{_day_label(covers)} 的互通信息，截止 {_end_of_day_label(covers)}{late}"
        else:
            when = "今日" if covers == today else "明日"
            next_due = (
                f"下一次：{when} {_day_label(covers)} 的互通信息，截止 {_end_of_day_label(covers)}{late}"
            )
        return ExchangeStatus(rule, done, status, next_due)
    hours = settings.LEVEL1_REPORT_INTERVAL_HOURS
    first_due = f"{timezone.localtime(first.due_at, zone):%m-%d %H:%M}"
    rule = (
        f"一级响应：24 小时互通信息，昼夜不间断（夜间、节假日亦然），距上一次报送不超过 {hours} 小时须再报送；"
        f"首次截止 {first_due}（进入一级响应后 {hours} 小时）。"
    )
    if latest and current.due_at >= now:
        done, status = True, f"最近一次报送 {latest:%m-%d %H:%M} ✓，本时段已报送"
    elif latest:
        done, status = False, f"最近一次报送 {latest:%m-%d %H:%M}，已超过 {hours} 小时未再报送"
    else:
        done, status = False, f"进入一级响应（{started:%m-%d %H:%M}）后尚未报送互通信息"
    since_what = "上一次报送" if latest else "进入一级响应"
    next_due = f"下一次：截止 {due:%m-%d %H:%M}（{since_what}后 {hours} 小时内）{late}"
    return ExchangeStatus(rule, done, status, next_due)
