"""The detail page remembers a case's own records between visits (incidents.selectors.incident_records) and reads
them again after every change: each way a case changes shows on the next visit, what one person may not see stays
hidden from them whoever visited first, and a visit without Redis still works."""

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents import engine, selectors, services
from meetings import services as meeting_services
from opinion_system import cache as resilient
from tests.factories import assessed, ended, png_upload, report, submitted_statement


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def visit(client, incident) -> tuple[str, int]:
    """The page's text and its number of queries."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def records_section(page: str) -> str:
    """The case log as shown (without the forms, whose one-time tokens differ on every visit)."""
    return re.search(r'<ol class="timeline[^"]*" id="timeline">.*?</ol>', page, re.S)[0]


def test_a_second_visit_reads_the_records_once_remembered_and_shows_the_same(org):
    incident = assessed(org, level=2)
    submitted_statement(org, incident)
    services.progress_report_add(incident=incident, actor=org.p.xsc_liaison, content="第一次互通")
    client = signed_in(org.p.xsc_liaison)
    client.get(reverse("incidents:home"))  # the session's first touch
    first, cold = visit(client, incident)
    again, warm = visit(client, incident)
    assert records_section(again) == records_section(first)
    assert "第一次互通" in again and "第1版" in again
    # The statements, case log, progress, form, team, sources, evidence, duties, contacts and escalations: one
    # cache read instead of their queries.
    assert cold - warm >= 9, (cold, warm)


def test_with_the_memory_off_every_visit_reads_the_records(org, monkeypatch):
    incident = assessed(org, level=2)
    client = signed_in(org.p.xsc_liaison)
    client.get(reverse("incidents:home"))  # the session's first touch
    _, cold = visit(client, incident)
    assert visit(client, incident)[1] < cold  # remembered
    monkeypatch.setattr(selectors, "RECORDS_CACHE_SECONDS", 0)
    assert visit(client, incident)[1] == cold  # read again, every time
    assert visit(client, incident)[1] == cold


def test_every_service_change_shows_on_the_next_visit(org):
    incident = assessed(org, level=2)
    client = signed_in(org.p.clerk)
    visit(client, incident)
    services.progress_report_add(incident=incident, actor=org.p.xsc_liaison, content="学生情绪已平稳")
    page, _ = visit(client, incident)
    assert "学生情绪已平稳" in page
    statement = submitted_statement(org, incident, text="关于食堂价格的情况说明")
    assert "关于食堂价格的情况说明" in visit(client, incident)[0]
    services.statement_approve(statement=statement, actor=org.p.approver)
    assert "已审定" in visit(client, incident)[0]
    services.source_add(
        incident=incident, actor=org.p.xsc_liaison, platform="抖音", url="https://www.douyin.com/video/42"
    )
    assert "https://www.douyin.com/video/42" in visit(client, incident)[0]
    services.evidence_add(incident=incident, actor=org.p.xsc_liaison, upload=png_upload("新截图.png"))
    assert "新截图.png" in visit(client, incident)[0]
    services.incident_change_level(incident=incident, actor=org.p.clerk, to_level=3, reason="热度下降")
    page, _ = visit(client, incident)
    assert "热度下降" in page


def test_a_line_the_sweep_writes_and_the_deadline_it_marks_show_on_the_next_visit(org):
    moment = timezone.now() - dt.timedelta(days=2)
    with time_machine.travel(moment, tick=False):
        incident = ended(org, level=3)
    client = signed_in(org.p.clerk)
    before, _ = visit(client, incident)
    assert "逾期" not in records_section(before)
    with time_machine.travel(moment + dt.timedelta(hours=13), tick=False):
        assert engine.run_once().processed
    after, _ = visit(client, incident)
    assert "逾期" in records_section(after)


def test_a_joint_meetings_decision_shows_on_the_next_visit(org):
    incident = assessed(org, level=2)
    client = signed_in(org.p.clerk)
    visit(client, incident)
    meeting = meeting_services.meeting_convene(
        actor=org.p.clerk, title="联席会议", held_at=timezone.now() - dt.timedelta(hours=1), place="会议室",
        attendees=[org.p.leader, org.p.xsc_head], agenda="研判", incidents=[incident],
    )  # fmt: skip
    meeting_services.meeting_record_minutes(
        actor=org.p.clerk, meeting=meeting, minutes="纪要",
        decisions=[meeting_services.DecisionInput(incident=incident, decision="由学生处牵头发布说明")],
    )  # fmt: skip
    assert "由学生处牵头发布说明" in visit(client, incident)[0]


@pytest.mark.parametrize("first", ["clerk", "xsc_liaison"])
def test_a_merged_duplicate_stays_hidden_from_who_may_not_see_it_whoever_visited_first(org, first):
    """第五条: the remembered case log is the same for everyone; naming the other incident is decided per visit."""
    target = assessed(org, department=org.xsc)
    duplicate = report(org, reporter=org.p.rsc_liaison, department=org.rsc, title="人事处收到的同一舆情")
    services.incident_merge(incident=duplicate, into=target, actor=org.p.clerk, reason="同一事件")
    order = [first, *({"clerk", "xsc_liaison"} - {first})]
    pages = {role: visit(signed_in(getattr(org.p, role)), target)[0] for role in order}
    assert duplicate.number in records_section(pages["clerk"])
    assert duplicate.number not in pages["xsc_liaison"]
    assert selectors.MERGED_FROM_HIDDEN in records_section(pages["xsc_liaison"])


def test_the_page_works_and_shows_each_change_while_the_cache_is_unreachable(org, settings):
    incident = assessed(org, level=2)
    client = signed_in(org.p.xsc_liaison)
    visit(client, incident)
    resilient.reset_breakers()
    settings.CACHES = {"default": {**django_settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}}
    try:
        services.progress_report_add(incident=incident, actor=org.p.xsc_liaison, content="缓存不可用时的互通")
        assert "缓存不可用时的互通" in visit(client, incident)[0]
    finally:
        resilient.reset_breakers()
