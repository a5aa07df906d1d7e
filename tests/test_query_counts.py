"""The number of queries of every page, per role, written down (Zulip's style): a page that starts to query per
row, or a selector that loses its select_related, shows here as a changed number in a readable diff.

The counts are taken with twice as many rows as the first time, so a count that grows with the data fails too.
A change that is meant (a new panel on a page) updates the table in the same commit, saying why.
"""

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents import selectors, services
from meetings import services as meeting_services
from tests.bulletins.conftest import draft, issued
from tests.factories import (
    approved_statement,
    assessed,
    filed,
    level_one_duties_done,
    report,
    reviewed,
    submitted,
)

ROLES = ("clerk", "xsc_liaison", "xsc_head", "xsc_leader", "approver", "leader", "sysadmin")

# (page, role) → queries. Pages a role may not open are listed too: a refusal has its cost as well.
# Every page's navigation counts the person's 待办 (incidents.worklist.counts: one statement) and asks once
# which departments they act for. An incident's page reads its contacts (联动, 第九条) in one query; a level-1
# page also its reports upward. With the
# level-1 case in the data the leadership group has notices (第十条: level-1 progress reaches it) and the
# department's home lists one more kind of work: data of another shape, the same cost for two copies as for one.
# The notices page reads a page of incident groups (and their count), then the groups' newest notices at once.
EXPECTED = {
    ("archive", "approver"): 11,
    ("archive", "clerk"): 11,
    ("archive", "leader"): 11,
    ("archive", "sysadmin"): 11,
    ("archive", "xsc_head"): 11,
    ("archive", "xsc_leader"): 11,
    ("archive", "xsc_liaison"): 11,
    ("bulletins", "approver"): 11,
    ("bulletins", "clerk"): 8,
    ("bulletins", "leader"): 6,
    ("bulletins", "sysadmin"): 11,
    ("bulletins", "xsc_head"): 6,
    ("bulletins", "xsc_leader"): 6,
    ("bulletins", "xsc_liaison"): 6,
    ("cases", "approver"): 11,
    ("cases", "clerk"): 10,
    ("cases", "leader"): 8,
    ("cases", "sysadmin"): 11,
    ("cases", "xsc_head"): 8,
    ("cases", "xsc_leader"): 8,
    ("cases", "xsc_liaison"): 8,
    ("dashboard", "approver"): 11,
    ("dashboard", "clerk"): 13,
    ("dashboard", "leader"): 11,
    ("dashboard", "sysadmin"): 11,
    ("dashboard", "xsc_head"): 11,
    ("dashboard", "xsc_leader"): 11,
    ("dashboard", "xsc_liaison"): 11,
    ("detail_archived", "approver"): 12,
    ("detail_archived", "clerk"): 24,
    ("detail_archived", "leader"): 22,
    ("detail_archived", "sysadmin"): 12,
    ("detail_archived", "xsc_head"): 22,
    ("detail_archived", "xsc_leader"): 22,
    ("detail_archived", "xsc_liaison"): 22,
    ("detail_level1", "approver"): 12,
    ("detail_level1", "clerk"): 25,
    ("detail_level1", "leader"): 22,
    ("detail_level1", "sysadmin"): 12,
    ("detail_level1", "xsc_head"): 21,
    ("detail_level1", "xsc_leader"): 22,
    ("detail_level1", "xsc_liaison"): 21,
    ("detail_level2", "approver"): 22,
    ("detail_level2", "clerk"): 24,
    ("detail_level2", "leader"): 21,
    ("detail_level2", "sysadmin"): 12,
    ("detail_level2", "xsc_head"): 20,
    ("detail_level2", "xsc_leader"): 21,
    ("detail_level2", "xsc_liaison"): 20,
    ("evaluation", "approver"): 11,
    ("evaluation", "clerk"): 17,  # + the year's missed 零报告 (第八条), one query
    ("evaluation", "leader"): 15,
    ("evaluation", "sysadmin"): 11,
    ("evaluation", "xsc_head"): 11,
    ("evaluation", "xsc_leader"): 11,
    ("evaluation", "xsc_liaison"): 11,
    ("home", "approver"): 9,
    ("home", "clerk"): 13,
    ("home", "leader"): 8,
    ("home", "sysadmin"): 8,
    ("home", "xsc_head"): 10,
    ("home", "xsc_leader"): 9,
    ("home", "xsc_liaison"): 10,
    ("ledger", "approver"): 12,
    ("ledger", "clerk"): 9,
    ("ledger", "leader"): 7,
    ("ledger", "sysadmin"): 12,
    ("ledger", "xsc_head"): 8,
    ("ledger", "xsc_leader"): 12,
    ("ledger", "xsc_liaison"): 12,
    ("liaisons", "approver"): 11,
    ("liaisons", "clerk"): 18,
    ("liaisons", "leader"): 11,
    ("liaisons", "sysadmin"): 6,
    ("liaisons", "xsc_head"): 11,
    ("liaisons", "xsc_leader"): 11,
    ("liaisons", "xsc_liaison"): 11,
    ("list", "approver"): 8,
    ("list", "clerk"): 10,
    ("list", "leader"): 8,
    ("list", "sysadmin"): 7,
    ("list", "xsc_head"): 8,
    ("list", "xsc_leader"): 8,
    ("list", "xsc_liaison"): 8,
    ("list_filtered", "approver"): 9,
    ("list_filtered", "clerk"): 11,
    ("list_filtered", "leader"): 9,
    ("list_filtered", "sysadmin"): 8,
    ("list_filtered", "xsc_head"): 9,
    ("list_filtered", "xsc_leader"): 9,
    ("list_filtered", "xsc_liaison"): 9,
    ("media_accounts", "approver"): 11,
    ("media_accounts", "clerk"): 10,
    ("media_accounts", "leader"): 11,
    ("media_accounts", "sysadmin"): 8,
    ("media_accounts", "xsc_head"): 11,
    ("media_accounts", "xsc_leader"): 11,
    ("media_accounts", "xsc_liaison"): 11,
    ("meetings", "approver"): 6,
    ("meetings", "clerk"): 8,
    ("meetings", "leader"): 6,
    ("meetings", "sysadmin"): 6,
    ("meetings", "xsc_head"): 6,
    ("meetings", "xsc_leader"): 6,
    ("meetings", "xsc_liaison"): 6,
    ("notices", "approver"): 9,
    ("notices", "clerk"): 11,
    ("notices", "leader"): 9,
    ("notices", "sysadmin"): 6,
    ("notices", "xsc_head"): 9,
    ("notices", "xsc_leader"): 9,
    ("notices", "xsc_liaison"): 9,
    ("report", "approver"): 6,
    ("report", "clerk"): 8,
    ("report", "leader"): 6,
    ("report", "sysadmin"): 6,
    ("report", "xsc_head"): 6,
    ("report", "xsc_leader"): 6,
    ("report", "xsc_liaison"): 6,
    ("risk_items", "approver"): 6,
    ("risk_items", "clerk"): 9,
    ("risk_items", "leader"): 7,
    ("risk_items", "sysadmin"): 6,
    ("risk_items", "xsc_head"): 6,
    ("risk_items", "xsc_leader"): 6,
    ("risk_items", "xsc_liaison"): 6,
    ("statement_queue", "approver"): 6,
    ("statement_queue", "clerk"): 13,
    ("statement_queue", "leader"): 11,
    ("statement_queue", "sysadmin"): 11,
    ("statement_queue", "xsc_head"): 11,
    ("statement_queue", "xsc_leader"): 11,
    ("statement_queue", "xsc_liaison"): 11,
    ("upward_brief", "approver"): 12,
    ("upward_brief", "clerk"): 15,
    ("upward_brief", "leader"): 12,
    ("upward_brief", "sysadmin"): 12,
    ("upward_brief", "xsc_head"): 12,
    ("upward_brief", "xsc_leader"): 12,
    ("upward_brief", "xsc_liaison"): 12,
}


def pages(cases) -> dict[str, str]:
    level2, archived, level1 = cases["level2"], cases["archived"], cases["level1"]
    return {
        "detail_level1": reverse("incidents:detail", args=[level1.pk]),
        "upward_brief": reverse("reports:upward_brief", args=[level1.pk]),
        "home": reverse("incidents:home"),
        "list": reverse("incidents:list"),
        "list_filtered": reverse("incidents:list") + "?status=in_disposal&level=2&q=食堂",
        "detail_level2": reverse("incidents:detail", args=[level2.pk]),
        "detail_archived": reverse("incidents:detail", args=[archived.pk]),
        "report": reverse("incidents:report"),
        "notices": reverse("notifications:list"),
        "dashboard": reverse("dashboard:index"),
        "evaluation": reverse("evaluation:index"),
        "ledger": reverse("evaluation:ledger"),
        "statement_queue": reverse("incidents:statement_queue"),
        "liaisons": reverse("departments:liaisons"),
        "media_accounts": reverse("departments:media_accounts"),
        "archive": reverse("reports:archive"),
        "bulletins": reverse("bulletins:list"),
        "meetings": reverse("meetings:list"),
        "risk_items": reverse("meetings:risks"),
        "cases": reverse("reports:cases"),
    }


def make_cases(org, copies: int) -> dict:
    cases = {}
    for _ in range(copies):
        report(org)
        cases["level2"] = level2 = assessed(org, level=2)
        for n in range(3):
            services.progress_report_add(incident=level2, actor=org.p.xsc_liaison, content=f"第{n + 1}次互通")
        approved_statement(org, level2)
        submitted(org)
        cases["archived"] = services.incident_archive(incident=reviewed(org, filed(org)), actor=org.p.clerk)
        issued(org, incidents=[level2], recipients=[org.xsc])  # 舆情通报: one issued to 学生处, one draft
        draft(org)
        # 第四条: a joint meeting held about the level-2 case (its decision shows on the case's page), a risk item
        meeting = meeting_services.meeting_convene(
            actor=org.p.clerk, title="联席会议", held_at=timezone.now() - dt.timedelta(hours=1), place="会议室",
            attendees=[org.p.leader, org.p.xsc_head, org.p.xsc_liaison], agenda="研判", incidents=[level2],
        )  # fmt: skip
        meeting_services.meeting_record_minutes(
            actor=org.p.clerk, meeting=meeting, minutes="纪要",
            decisions=[meeting_services.DecisionInput(incident=level2, decision="学生处牵头", plan="发布说明")],
            risks=[meeting_services.RiskInput(description="排查", owner=org.p.xsc_liaison,
                                              due_on=timezone.localdate())],
        )  # fmt: skip
        # 第九条、第十条: a level-1 case with its duties, reports upward and contacts, as many as the copies.
        cases["level1"] = level1 = assessed(org, level=1, category="E")
        level_one_duties_done(org, level1)
        for n in range(copies):
            services.progress_report_add(incident=level1, actor=org.p.xsc_liaison, content=f"一级互通{n}")
            services.contact_log_add(
                incident=level1,
                actor=org.p.clerk,
                counterpart=f"媒体{n}",
                kind="media",
                channel="phone",
                content="沟通",
            )
            services.upward_report_add(
                incident=level1,
                actor=org.p.clerk,
                authority="省委教育工委",
                channel="email",
                content=f"续报{n}",
            )
    return cases


def measure(org, cases, monkeypatch) -> dict[tuple[str, str], int]:
    """Each page as each role would see it on a first visit: the case's records, remembered between visits
    (incidents.selectors.incident_records), are read afresh for each role (the remembered visit is
    tests/incidents/test_detail_pages.py's)."""
    counts = {}
    for role in ROLES:
        monkeypatch.setattr(selectors, "RECORDS_KEY_PREFIX", f"incident-records:{uuid.uuid4().hex[:8]}")
        client = Client()
        client.force_login(getattr(org.p, role))
        client.get(reverse("incidents:home"))  # the session's first touch is not the page's cost
        for page, url in pages(cases).items():
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            counts[(page, role)] = len(queries)
    return counts


def table(counts: dict) -> str:
    return "\n".join(f"    ({page!r}, {role!r}): {n}," for (page, role), n in sorted(counts.items()))


@pytest.mark.django_db
def test_every_page_runs_a_fixed_number_of_queries_per_role(org, monkeypatch):
    small = measure(org, make_cases(org, 1), monkeypatch)
    large = measure(org, make_cases(org, 2), monkeypatch)
    grew = {key: (small[key], large[key]) for key in small if large[key] != small[key]}
    assert not grew, "queries grow with the data (page, role: before → after):\n" + "\n".join(
        f"  {page} as {role}: {a} → {b}" for (page, role), (a, b) in sorted(grew.items())
    )
    assert large == EXPECTED, "the query counts changed; if that is meant, EXPECTED becomes:\n" + table(large)
