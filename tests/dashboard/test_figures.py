"""Every figure of the leaders' dashboard against a hand-built term (tests/dashboard/cases.py), each test naming
the rule it checks; frozen at 2026-03-10 12:00 Beijing time."""

import datetime as dt

import pytest
import time_machine
from django.test import override_settings

from dashboard import selectors
from dashboard.forms import month_period, range_period, year_period
from incidents.models import Deadline, LevelOneDuty

from . import cases


@pytest.fixture
def frozen():
    with time_machine.travel(cases.NOW, tick=False):
        yield


@pytest.fixture
def term(org, frozen):
    return cases.build(org)


def figures(user, period=None):
    return selectors.dashboard_get(user=user, period=period or year_period(2026), now=cases.NOW)


def by_name(rows: list[dict]) -> dict[str, dict]:
    return {row["name"]: row for row in rows}


def test_the_trend_counts_each_incident_in_its_beijing_month(org, term):
    trend = {m["label"]: m["count"].n for m in figures(org.p.leader)["trend"]}
    assert list(trend)[:3] == ["2026-01", "2026-02", "2026-03"] and len(trend) == 12
    # 31 January 23:30 Beijing (15:30 UTC) is January; 1 February 00:10 Beijing (31 January UTC) is February.
    assert trend["2026-01"] == 7 and trend["2026-02"] == 3 and trend["2026-03"] == 2
    assert sum(trend.values()) == figures(org.p.leader)["total"].n == 12


def test_a_period_leaves_out_what_was_reported_outside_it_and_merged_duplicates(org, term):
    january = figures(org.p.leader, month_period(2026, 1))
    assert (
        january["total"].n == 7
    )  # 1 February 00:10 is out; the duplicate merged on 25 January is not counted
    assert [m["label"] for m in january["trend"]] == ["2026-01"]
    assert figures(org.p.leader, year_period(2025))["total"].n == 1  # 31 December 2025 23:59
    edge = figures(org.p.leader, range_period(dt.date(2026, 1, 31), dt.date(2026, 2, 1)))
    assert edge["total"].n == 2
    assert [m["count"].n for m in edge["trend"]] == [1, 1]


def test_category_by_level(org, term):
    table = figures(org.p.leader)["category_level"]
    assert table["levels"] == ["一级舆情", "二级舆情", "三级舆情"]
    cells = {row["code"]: [c.n for c in row["cells"]] for row in table["categories"]}
    assert cells == {"A": [1, 0, 0], "B": [0, 1, 0], "C": [0, 1, 4], "D": [0, 1, 1], "E": [0, 0, 1]}
    assert table["unassessed"].n == 2
    assert sum(row["total"].n for row in table["categories"]) + table["unassessed"].n == 12


def test_by_department_the_most_first_with_open_and_levels(org, term):
    rows = figures(org.p.leader)["departments"]
    assert [r["name"] for r in rows] == ["学生处", "人事处"]
    xsc = rows[0]
    assert xsc["total"].n == 11 and [c.n for c in xsc["levels"]] == [1, 3, 5]
    assert xsc["open"].n == 10  # the filed one is no longer open
    assert rows[1]["total"].n == 1


def test_open_now_by_level_and_status_whatever_the_period(org, term):
    open_now = figures(org.p.leader, month_period(2026, 3))["open_now"]
    assert open_now["total"].n == 12  # includes the case of December 2025, still in disposal
    assert [c.n for c in open_now["by_level"]] == [1, 3, 6, 2]
    statuses = {row["label"]: row["total"].n for row in open_now["statuses"]}
    assert statuses == {
        "已上报（待研判）": 2,
        "处置中": 6,
        "处置结束（待报处置表）": 1,
        "处置表已报（待审核备案）": 3,
        "处置表退回修改": 0,
    }


def test_overdue_deadlines_by_department_with_their_escalation(org, term):
    overdue = figures(org.p.leader)["overdue"]
    assert [(r["name"], r["total"].n, r["escalated"].n, r["waiting"].n) for r in overdue] == [
        ("学生处", 2, 1, 1)
    ]
    # Once met, a deadline is no longer overdue; once escalated, it is counted under 督办.
    Deadline.objects.filter(incident=term.level_one, state="open").update(escalated_at=cases.NOW)
    assert [(r["escalated"].n, r["waiting"].n) for r in figures(org.p.leader)["overdue"]] == [(2, 0)]
    Deadline.objects.filter(incident=term.not_filed, state="open").update(
        due_at=cases.NOW + dt.timedelta(hours=1)
    )
    assert figures(org.p.leader)["overdue_total"].n == 1


def test_level_one_items_still_open(org, term):
    level_one = figures(org.p.leader)["level_one"]
    assert level_one["open"].n == 1 and level_one["any"].n == 1
    by_kind = {k["label"]: k["count"].n for k in level_one["by_kind"]}
    assert by_kind == {
        "报告学校党政主要领导": 0,
        "向上级网络舆情主管部门报告": 1,
        "召开专题会议": 1,
        "启动应急预案": 1,
    }
    [shown] = level_one["incidents"]
    assert shown.pk == term.level_one.pk
    assert [d.kind for d in shown.outstanding] == ["report_superior", "special_meeting", "emergency_plan"]
    # A duty cancelled (the level lowered) or done is no longer outstanding.
    LevelOneDuty.objects.filter(incident=term.level_one).update(cancelled_at=cases.NOW)
    assert figures(org.p.leader)["level_one"]["any"].n == 0


def counts(line: dict) -> tuple[int, int, float | None]:
    return line["on_time"].n, line["late"].n, line["share"]


def test_a_first_report_three_hours_after_discovery_is_late(org, term):
    first = figures(org.p.leader)["timeliness"]["first_report"]
    assert counts(first["whole"]) == (11, 1, 91.7)
    assert counts(by_name(first["departments"])["学生处"]) == (10, 1, 90.9)
    assert counts(by_name(first["departments"])["人事处"]) == (1, 0, 100.0)


@override_settings(FIRST_REPORT_EXPECTED_MINUTES=180)
def test_the_first_report_is_measured_against_the_setting(org, term):
    assert counts(figures(org.p.leader)["timeliness"]["first_report"]["whole"]) == (12, 0, 100.0)


def test_a_late_assessment_and_one_still_waiting_are_late(org, term):
    assessment = figures(org.p.leader)["timeliness"]["assessment"]
    # 3 hours after the report is late; the one reported in January and never assessed is late; the one
    # reported half an hour ago is not yet measured.
    assert counts(assessment["whole"]) == (9, 2, 81.8)
    assert counts(by_name(assessment["departments"])["学生处"]) == (8, 2, 80.0)


def test_a_filing_after_its_deadline_and_one_still_missing_are_late(org, term):
    filing = figures(org.p.leader)["timeliness"]["filing"]
    assert counts(filing["whole"]) == (3, 2, 60.0)
    assert [line["name"] for line in filing["departments"]] == ["学生处"]


def test_the_least_on_time_department_comes_first(org, term):
    first = figures(org.p.leader)["timeliness"]["first_report"]["departments"]
    assert [line["name"] for line in first] == ["学生处", "人事处"]


def test_a_supervising_leader_sees_only_the_departments_he_supervises(org, term):
    mine = figures(org.p.xsc_leader)
    assert mine["total"].n == 11
    assert [r["name"] for r in mine["departments"]] == ["学生处"]
    assert mine["open_now"]["total"].n == 10  # not 人事处's two
    assert counts(mine["timeliness"]["first_report"]["whole"]) == (10, 1, 90.9)
    assert figures(org.p.rsc_leader)["total"].n == 1


def test_the_page_shows_the_figures_with_their_links(client, org, term):
    client.force_login(org.p.leader)
    page = client.get("/dashboard/").content.decode()
    total = figures(org.p.leader)["total"]
    assert f'<a href="{total.url.replace("&", "&amp;")}">12</a>' in page
    assert 'id="dashboard-data"' in page and "echarts.min.js" in page
