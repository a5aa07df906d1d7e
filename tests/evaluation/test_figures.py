"""第十五条 目标绩效考核: every figure of the yearly evaluation against hand-built cases, each failing when its
rule breaks. Time is moved with time-machine; the cases are laid down in 2025 and read in 2026."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from departments import services as dept_services
from departments.models import User
from evaluation import selectors, services
from evaluation.models import LedgerEntry
from incidents import engine
from incidents import services as incident_services
from incidents.models import Deadline
from tests.factories import approved_statement, assessed, build_org, ended, report, submitted_statement

BEIJING = ZoneInfo("Asia/Shanghai")
T = dt.datetime(2025, 6, 10, 10, 0, tzinfo=BEIJING)  # a Tuesday morning


@pytest.fixture
def org(db):
    """The college as tests/conftest.py builds it, but set up on 1 January 2025: the cases here happen in 2025,
    after the departments and their heads exist (the heads are read from the departments' history)."""
    with time_machine.travel(dt.datetime(2025, 1, 1, 9, 0, tzinfo=BEIJING), tick=False):
        return build_org()


def at(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def row(evaluation, name: str):
    return next(r for r in evaluation.departments if r.name == name)


def head_row(evaluation, user: User):
    return next(r for r in evaluation.heads if r.key == user.pk)


def evaluate(year: int = 2025, now: dt.datetime | None = None):
    return selectors.yearly_evaluation(year=year, now=now or dt.datetime(2026, 3, 1, tzinfo=BEIJING))


def test_incidents_count_by_level_and_category_for_the_responsible_department(org):
    with at(T):
        assessed(org, level=2, category="C")
        assessed(org, level=3, category="B")
        assessed(org, level=1, category="A")
        report(org)  # not yet assessed
        assessed(org, level=3, category="D", department=org.rsc)
    figures = row(evaluate(), "学生处").figures
    assert figures.incidents == 4
    assert figures.levels() == [1, 1, 1, 1]  # 一级, 二级, 三级, 未研判
    assert figures.categories() == [1, 1, 1, 0, 0, 1]  # A … E, 未分类
    assert row(evaluate(), "人事处").figures.by_category == {"D": 1}


def test_a_first_report_more_than_the_expected_minutes_after_discovery_is_late(org, settings):
    settings.FIRST_REPORT_EXPECTED_MINUTES = 60
    with at(T):
        report(org, discovered_at=T - dt.timedelta(minutes=60))  # exactly on time
        report(org, discovered_at=T - dt.timedelta(minutes=61))  # late
        report(org, discovered_at=T - dt.timedelta(hours=5))  # late
    figures = row(evaluate(), "学生处").figures
    assert (figures.incidents, figures.first_reports_late) == (3, 2)


def test_an_exchange_overdue_when_the_disposal_ends_counts_its_missed_days(org):
    with at(T):
        incident = assessed(org, level=2)
    deadline = Deadline.objects.get(incident=incident, kind=Deadline.Kind.DAILY_EXCHANGE)
    due = deadline.due_at  # midnight after the next day: the first day's report
    end = due + dt.timedelta(days=2, hours=10)
    with at(end):  # three calendar days without a report
        approved_statement(org, incident)
        incident_services.disposal_end(incident=incident, actor=org.p.xsc_liaison)
    deadline.refresh_from_db()
    assert deadline.state == Deadline.State.MISSED and deadline.misses == 3
    # read an hour after the end: the filing deadline the end opened is not due yet
    figures = row(evaluate(now=end + dt.timedelta(hours=1)), "学生处").figures
    assert figures.exchanges_missed == 3
    assert figures.deadlines_overdue == 1  # the exchange; 党政办's statement review is not the department's
    assert figures.overdue_hours == pytest.approx(58.0)  # 2 days and 10 hours past due
    assert figures.overdue_max_hours == pytest.approx(58.0)


def test_an_exchange_still_open_and_overdue_counts_what_it_missed_so_far(org):
    with at(T):
        incident = assessed(org, level=2)
    due = Deadline.objects.get(incident=incident, kind=Deadline.Kind.DAILY_EXCHANGE).due_at
    figures = row(evaluate(now=due + dt.timedelta(hours=1)), "学生处").figures
    assert (figures.exchanges_missed, figures.deadlines_overdue) == (1, 1)
    assert figures.overdue_hours == pytest.approx(1.0)
    figures = row(evaluate(now=due + dt.timedelta(days=1, hours=1)), "学生处").figures
    assert figures.exchanges_missed == 2  # each calendar day once
    assert row(evaluate(now=due - dt.timedelta(hours=1)), "学生处").figures.exchanges_missed == 0


def test_an_exchange_met_in_time_is_no_miss(org):
    with at(T):
        incident = assessed(org, level=2)
    with at(T + dt.timedelta(hours=5)):
        incident_services.progress_report_add(
            incident=incident, actor=org.p.xsc_liaison, content="已联系当事学生"
        )
    with at(T + dt.timedelta(hours=6)):
        approved_statement(org, incident)
        incident_services.disposal_end(incident=incident, actor=org.p.xsc_liaison)
    figures = row(evaluate(), "学生处").figures
    # no exchange missed; the 处置表 never sent is the one overdue deadline, a late filing
    assert (figures.exchanges_missed, figures.deadlines_overdue, figures.filings_late) == (0, 1, 1)


def fill_and_submit(org, incident):
    incident_services.disposal_form_save(
        incident=incident, actor=org.p.xsc_liaison, team_members="张三", disposal_situation="已回应"
    )
    incident_services.disposal_form_sign(incident=incident, actor=org.p.xsc_head)
    incident_services.disposal_form_submit(incident=incident, actor=org.p.xsc_liaison)


def test_a_form_sent_after_the_filing_hours_is_a_late_filing(org):
    with at(T):
        on_time, late, never = ended(org), ended(org), ended(org)
    # before the due time (12 hours after the end) nothing is late yet
    assert row(evaluate(now=T + dt.timedelta(hours=11)), "学生处").figures.filings_late == 0
    with at(T + dt.timedelta(hours=11)):
        fill_and_submit(org, on_time)
    with at(T + dt.timedelta(hours=13)):
        fill_and_submit(org, late)
    # `never` is still open, past its due time (12 hours after the end) when the year is read
    figures = row(evaluate(), "学生处").figures
    assert figures.filings_late == 2
    assert figures.deadlines_overdue == 2
    late_deadline = Deadline.objects.get(incident=late, kind=Deadline.Kind.FILING)
    assert late_deadline.state == Deadline.State.MET and late_deadline.late_by == dt.timedelta(hours=1)
    assert Deadline.objects.get(incident=never, kind=Deadline.Kind.FILING).state == Deadline.State.OPEN


def test_a_statement_returned_by_the_admin_office_counts(org):
    with at(T):
        incident = assessed(org, level=2)
        first = submitted_statement(org, incident, "第一稿")
        incident_services.statement_reject(statement=first, actor=org.p.approver, comment="措辞不当")
        second = submitted_statement(org, incident, "第二稿")
        incident_services.statement_approve(statement=second, actor=org.p.approver)
    assert row(evaluate(), "学生处").figures.statements_returned == 1
    assert row(evaluate(), "人事处").figures.statements_returned == 0


def test_an_escalated_deadline_counts_as_a_duban_received(org):
    with at(T):
        ended(org)  # its filing deadline is due 12 hours later
    for hours in (13, 16, 20):  # overdue notice, then 督办 two hours past due
        with at(T + dt.timedelta(hours=hours)):
            engine.sweep()
    assert Deadline.objects.filter(escalated_at__isnull=False).count() == 1
    figures = row(evaluate(), "学生处").figures
    assert figures.escalations == 1


def test_each_incident_counts_for_the_head_at_the_time_it_was_reported(org):
    new_head = User.objects.create_user("xsc_new_head", password="pw", full_name="新处长", department=org.xsc)
    with at(T):
        report(org, discovered_at=T - dt.timedelta(hours=3))  # late, under the old head
    with at(T + dt.timedelta(days=1)):
        dept_services.department_set_head(actor=org.p.root, department=org.xsc, head=new_head)
    with at(T + dt.timedelta(days=2)):
        report(org)
        report(org)
    evaluation = evaluate()
    old, new = head_row(evaluation, org.p.xsc_head), head_row(evaluation, new_head)
    assert (old.figures.incidents, old.figures.first_reports_late) == (1, 1)
    assert (new.figures.incidents, new.figures.first_reports_late) == (2, 0)
    assert old.departments == ["学生处"] and new.departments == ["学生处"]
    assert row(evaluation, "学生处").figures.incidents == 3


def test_the_head_is_read_in_a_fixed_number_of_queries(org):
    with at(T):
        report(org)
    with CaptureQueriesContext(connection) as few:
        evaluate()
    with at(T + dt.timedelta(days=1)):
        dept_services.department_set_head(actor=org.p.root, department=org.xsc, head=org.p.xsc_staff)
        for _ in range(5):
            assessed(org, level=2)
        assessed(org, level=3, department=org.rsc)
    with CaptureQueriesContext(connection) as many:
        evaluate()
    assert len(many) == len(few) <= 10


@pytest.mark.parametrize(
    ("reported", "year"),
    [
        (dt.datetime(2025, 12, 31, 23, 59, tzinfo=BEIJING), 2025),
        (dt.datetime(2026, 1, 1, 0, 1, tzinfo=BEIJING), 2026),  # still 2025-12-31 in UTC
        (dt.datetime(2025, 1, 1, 0, 0, tzinfo=BEIJING), 2025),
        (dt.datetime(2024, 12, 31, 23, 59, tzinfo=BEIJING), 2024),
    ],
)
def test_an_incident_belongs_to_the_beijing_year_of_its_report(org, reported, year):
    with at(reported):
        report(org)
    counts = {y: row(evaluate(y), "学生处").figures.incidents for y in (2024, 2025, 2026)}
    assert counts == {y: int(y == year) for y in (2024, 2025, 2026)}


def test_a_merged_duplicate_does_not_count(org):
    with at(T):
        first = report(org)
        duplicate = report(org)
        incident_services.incident_merge(incident=duplicate, into=first, actor=org.p.clerk, reason="重复")
    assert row(evaluate(), "学生处").figures.incidents == 1


def ledger(org, kind, *, department=None, person=None, on=dt.date(2025, 5, 1)):
    return services.ledger_entry_create(
        actor=org.p.clerk,
        kind=kind,
        department=department or org.xsc,
        person=person,
        subject_name="" if person else "学校网络舆情信息平台",
        decision="决定",
        decided_by="学校党委",
        decided_on=on,
    )


def test_ledger_entries_of_the_year_count_by_kind_per_department_and_named_head(org):
    with at(T):
        ledger(org, LedgerEntry.Kind.COMMENDATION)
        ledger(org, LedgerEntry.Kind.COMMENDATION, person=org.p.xsc_head)
        ledger(org, LedgerEntry.Kind.ACCOUNTABILITY, department=org.rsc, person=org.p.rsc_head)
        ledger(org, LedgerEntry.Kind.CRITICISM, on=dt.date(2024, 12, 31))  # another year
    evaluation = evaluate()
    assert row(evaluation, "学生处").figures.ledger == {"commendation": 2}
    assert row(evaluation, "人事处").figures.kinds() == [0, 0, 0, 1, 0]
    assert head_row(evaluation, org.p.xsc_head).figures.ledger == {"commendation": 1}
    assert row(evaluate(2024), "学生处").figures.ledger == {"criticism": 1}


# --- the score ----------------------------------------------------------------------------------------------


def weights(org, year=2025, **values):
    full = {name: Decimal(0) for name in ("base", *selectors.WEIGHTED_FIGURES)}
    full.update({k: Decimal(str(v)) for k, v in values.items()})
    return services.weights_save(actor=org.p.clerk, year=year, values=full, expected_version=None)


def test_without_weights_there_is_no_score(org):
    with at(T):
        report(org)
    evaluation = evaluate()
    assert evaluation.weights is None
    assert all(r.figures.score is None for r in (*evaluation.departments, *evaluation.heads))


def test_with_weights_the_score_is_the_base_plus_the_weighted_sum(org):
    with at(T):
        report(org, discovered_at=T - dt.timedelta(hours=3))  # one late first report
        late = ended(org)
    with at(T + dt.timedelta(hours=13, minutes=30)):
        fill_and_submit(org, late)  # filed 1.5 hours late: a late filing, one overdue deadline, 1.5 h
    with at(T):
        ledger(org, LedgerEntry.Kind.COMMENDATION)
        weights(org, base=100, first_reports_late=-2, filings_late=-3, deadlines_overdue=-1,
                overdue_hours=Decimal("-0.5"), commendations=5)  # fmt: skip
        weights(org, year=2024, base=50)
    figures = row(evaluate(), "学生处").figures
    assert (figures.first_reports_late, figures.filings_late, figures.deadlines_overdue) == (1, 1, 1)
    assert figures.overdue_hours == 1.5
    assert figures.score == Decimal("100") - 2 - 3 - 1 - Decimal("0.75") + 5
    assert row(evaluate(), "人事处").figures.score == Decimal("100.00")
    assert head_row(evaluate(), org.p.xsc_head).figures.score == Decimal("100") - 2 - 3 - 1 - Decimal("0.75")


def test_weights_of_another_year_give_no_score(org):
    with at(T):
        weights(org, year=2024, base=100)
    assert row(evaluate(), "学生处").figures.score is None
