"""A hand-built college term for the dashboard's tests: each incident brought through the real services at a
frozen "now" (2026-03-10 12:00 Beijing), then moved to the past moment its rule needs."""

import datetime as dt
import zoneinfo
from types import SimpleNamespace

from incidents import services
from incidents.models import Deadline, Incident, LevelOneDuty
from tests.factories import approved_statement, assessed, ended, filed, report, submitted

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=BEIJING)


def beijing(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BEIJING)


def moved(
    incident: Incident,
    *,
    reported: dt.datetime,
    discovered_before=dt.timedelta(minutes=30),
    assessed_after: dt.timedelta | None = dt.timedelta(hours=1),
) -> Incident:
    """The incident as if reported at `reported`, discovered and assessed that long before and after."""
    fields = {"reported_at": reported, "discovered_at": reported - discovered_before}
    if incident.assessed_at is not None:
        fields["assessed_at"] = reported + assessed_after
    Incident.objects.filter(pk=incident.pk).update(**fields)
    return Incident.objects.get(pk=incident.pk)


def filing_deadline(incident: Incident) -> Deadline:
    return Deadline.objects.get(incident=incident, kind=Deadline.Kind.FILING)


def build(org) -> SimpleNamespace:
    """The cases, named for the rule each one tests (time is frozen at NOW by the caller)."""
    c = SimpleNamespace()
    # Beijing calendar-day edges: 23:30 on 31 January (15:30 UTC) is January; 00:10 on 1 February is February;
    # 23:59 on 31 December 2025 is outside 2026.
    c.jan_edge = moved(assessed(org, level=3, category="C"), reported=beijing(2026, 1, 31, 23, 30))
    c.feb_edge = moved(
        assessed(org, level=2, category="B"),
        reported=beijing(2026, 2, 1, 0, 10),
        discovered_before=dt.timedelta(hours=3),  # a late first report (第七条 第一时间)
        assessed_after=dt.timedelta(hours=3),  # a late 研判
    )
    c.last_year = moved(
        assessed(org, level=3, category="C", department=org.rsc), reported=beijing(2025, 12, 31, 23, 59)
    )
    c.rsc_case = moved(
        assessed(org, level=3, category="D", department=org.rsc), reported=beijing(2026, 1, 12, 9)
    )

    # Filing (第十条, 12 hours after the end): on time, late, and still not sent after its deadline.
    c.filed_on_time = moved(submitted(org, level=3, category="C"), reported=beijing(2026, 1, 5, 10))
    c.filed_late = moved(submitted(org, level=3, category="C"), reported=beijing(2026, 1, 6, 10))
    late = filing_deadline(c.filed_late)
    Deadline.objects.filter(pk=late.pk).update(met_at=late.due_at + dt.timedelta(hours=2))
    c.not_filed = moved(ended(org, level=3, category="E"), reported=beijing(2026, 1, 7, 10))
    waiting = filing_deadline(c.not_filed)
    # Overdue and under 督办 (escalated to the supervising leader).
    Deadline.objects.filter(pk=waiting.pk).update(
        due_at=beijing(2026, 1, 8, 10),
        escalated_at=beijing(2026, 1, 8, 12),
        overdue_at=beijing(2026, 1, 8, 10),
    )

    # Level 1 (第十条): one duty recorded, three outstanding; its round-the-clock exchange overdue, not under 督办.
    c.level_one = moved(assessed(org, level=1, category="A"), reported=beijing(2026, 1, 20, 8))
    services.level_one_duty_record(
        incident=c.level_one, actor=org.p.clerk, kind=LevelOneDuty.Kind.REPORT_TOP_LEADERS, method="电话"
    )
    exchange = Deadline.objects.get(incident=c.level_one, kind=Deadline.Kind.ROUND_THE_CLOCK)
    Deadline.objects.filter(pk=exchange.pk).update(due_at=NOW - dt.timedelta(hours=1))

    # Not yet assessed: one waiting since January (研判 late), one reported half an hour ago (not yet measured).
    c.unassessed_old = moved(report(org, title="一月上报尚未研判"), reported=beijing(2026, 1, 9, 9))
    c.unassessed_new = report(org, title="刚刚上报", discovered_at=NOW - dt.timedelta(minutes=40))
    Incident.objects.filter(pk=c.unassessed_new.pk).update(reported_at=NOW - dt.timedelta(minutes=30))

    # A duplicate merged into the January incident: counted once, as the incident it repeats.
    duplicate = report(org, title="重复上报")
    services.incident_merge(incident=duplicate, into=c.jan_edge, actor=org.p.clerk, reason="同一事件")
    c.duplicate = moved(duplicate, reported=beijing(2026, 1, 25, 9))

    # Level 2 with its statement approved and the disposal ended: filed later, so open now at 处置表已报.
    c.level_two_done = moved(submitted(org, level=2, category="C"), reported=beijing(2026, 2, 14, 9))
    # In disposal with its statement approved; and one filed by the office, no longer open.
    with_statement = assessed(org, level=2, category="D")
    approved_statement(org, with_statement)
    c.statement_only = moved(with_statement, reported=beijing(2026, 3, 2, 9))
    c.closed = moved(filed(org), reported=beijing(2026, 2, 20, 9))
    return c
