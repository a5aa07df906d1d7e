"""The detail page of a long case: the latest lines of its growing lists, the earlier ones a click away (htmx),
the same cost for a case of 300 lines as for one of 30; long texts folded after ten lines."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import selectors, services
from incidents.models import IncidentEvent, ProgressReport
from tests.factories import approved_statement, assessed, submitted_statement

HTMX = {"HTTP_HX_REQUEST": "true"}
LINE = re.compile(r'<li class="kind-[a-z_]+"><time>[^<]*</time><strong>[^<]*</strong> (第\d+条记录)')
REPORT = re.compile(r'<div class="pre">(第\d+次互通)</div>')
VERSION = re.compile(r"<strong>第(\d+)版</strong>")
MORE = re.compile(r'hx-get="([^"]+)"[^>]*data-more="(\w+)"')


def long_case(org, *, events: int, reports: int = 0):
    """A level-2 case with `events` case-log lines in all and `reports` progress reports (fixture rows after its
    report and assessment, a minute apart, so the order is the order of their numbers)."""
    incident = assessed(org, level=2)
    start, have = incident.events.last().created_at, incident.events.count()
    IncidentEvent.objects.bulk_create(
        IncidentEvent(incident=incident, kind=IncidentEvent.Kind.PROGRESS_REPORTED, actor=org.p.xsc_liaison,
                      message=f"第{k}条记录", created_at=start + dt.timedelta(minutes=k))
        for k in range(1, events - have + 1)
    )  # fmt: skip
    ProgressReport.objects.bulk_create(
        ProgressReport(incident=incident, author=org.p.xsc_liaison, content=f"第{k}次互通", level_at_time=2,
                       created_at=start + dt.timedelta(minutes=k))
        for k in range(1, reports + 1)
    )  # fmt: skip
    return incident


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def more_links(page: str) -> dict[str, str]:
    return {kind: url.replace("&amp;", "&") for url, kind in MORE.findall(page)}


def test_a_300_line_case_shows_its_latest_lines_and_loads_the_rest_a_page_at_a_time(org):
    incident = long_case(org, events=300)
    client = signed_in(org.p.xsc_liaison)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    shown = LINE.findall(page)
    assert len(shown) == selectors.EVENTS_SHOWN
    assert (
        shown[-1] == "第298条记录" and "第1条记录" not in shown
    )  # the two lines of 上报 and 研判 come first
    assert f"更早的 {selectors.EVENTS_PAGE} 条" in page
    seen, url = list(shown), more_links(page)["events"]
    while url:
        response = client.get(url, **HTMX)
        assert response.status_code == 200
        fragment = response.content.decode()
        assert "<html" not in fragment  # the fragment replacing the button, not a page
        rows = LINE.findall(fragment)
        assert 0 < len(rows) <= selectors.EVENTS_PAGE
        seen[:0] = rows
        url = more_links(fragment).get("events")
    # every line once, in order; the first two are the report and the assessment
    assert seen == [f"第{k}条记录" for k in range(1, 299)]


def test_the_earlier_lines_are_a_page_of_their_own_without_script(org):
    incident = long_case(org, events=40)
    client = signed_in(org.p.xsc_liaison)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    response = client.get(more_links(page)["events"])  # a plain link: no HX-Request
    body = response.content.decode()
    assert response.status_code == 200 and "<html" in body and incident.title in body
    assert len(LINE.findall(body)) == selectors.EVENTS_PAGE


def test_progress_reports_and_statement_versions_show_the_latest_and_load_the_rest(org):
    incident = long_case(org, events=10, reports=23)
    for k in range(1, 8):  # seven versions, each sent and returned; the eighth approved
        statement = submitted_statement(org, incident, text=f"通稿第{k}稿")
        services.statement_reject(statement=statement, actor=org.p.approver, comment="请修改")
    approved_statement(org, incident, text="通稿第8稿")
    client = signed_in(org.p.xsc_liaison)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert REPORT.findall(page) == [f"第{k}次互通" for k in range(23, 23 - selectors.PROGRESS_SHOWN, -1)]
    assert VERSION.findall(page) == [str(k) for k in range(8, 8 - selectors.STATEMENTS_SHOWN, -1)]
    links = more_links(page)
    reports = REPORT.findall(client.get(links["progress"], **HTMX).content.decode())
    assert reports == [f"第{k}次互通" for k in range(18, 18 - selectors.PROGRESS_PAGE, -1)]
    versions = VERSION.findall(client.get(links["statements"], **HTMX).content.decode())
    assert versions == ["3", "2", "1"]


def test_an_earlier_approved_version_keeps_its_publish_form(org):
    incident = assessed(org, level=2)
    first = approved_statement(org, incident, text="已审定的第一版")
    for k in range(2, 8):  # replaced by later versions, all returned
        statement = submitted_statement(org, incident, text=f"通稿第{k}稿")
        services.statement_reject(statement=statement, actor=org.p.approver, comment="请修改")
    client = signed_in(org.p.xsc_liaison)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert f'data-statement="{first.pk}"' not in page
    earlier = client.get(more_links(page)["statements"], **HTMX).content.decode()
    assert f'data-statement-action="publish" data-statement="{first.pk}"' in earlier


@pytest.mark.parametrize("name", ["events", "progress", "statements"])
def test_the_earlier_rows_of_an_unseen_incident_are_404(org, name):
    incident = long_case(org, events=40, reports=12)
    outsider = signed_in(org.p.rsc_liaison)
    cursor = {"events": incident.events.last().pk, "progress": incident.progress_reports.last().pk}.get(
        name, 2
    )
    assert (
        outsider.get(reverse(f"incidents:{name}", args=[incident.pk]), {"before": cursor}).status_code == 404
    )


@pytest.mark.parametrize("before", ["abc", "-1", "999999999", "99999999999999999999999"])
def test_a_bad_cursor_is_404_not_500(org, before):
    incident = long_case(org, events=40, reports=12)
    client = signed_in(org.p.xsc_liaison)
    for name in ("events", "progress"):  # a line or report of this incident
        url = reverse(f"incidents:{name}", args=[incident.pk])
        assert client.get(url, {"before": before}).status_code == 404
    # a version number: the versions below it (none yet), whatever the number
    expected = 200 if before.isdigit() else 404
    assert (
        client.get(reverse("incidents:statements", args=[incident.pk]), {"before": before}).status_code
        == expected
    )


def test_without_a_cursor_the_lists_start_from_the_latest(org):
    incident = long_case(org, events=40, reports=12)
    client = signed_in(org.p.xsc_liaison)
    events = client.get(reverse("incidents:events", args=[incident.pk]), **HTMX).content.decode()
    assert LINE.findall(events) == [f"第{k}条记录" for k in range(19, 39)]
    reports = client.get(reverse("incidents:progress", args=[incident.pk]), **HTMX).content.decode()
    assert REPORT.findall(reports) == [f"第{k}次互通" for k in range(12, 2, -1)]


def test_another_incidents_line_is_no_cursor(org):
    mine, other = long_case(org, events=40), long_case(org, events=40)
    client = signed_in(org.p.xsc_liaison)
    url = reverse("incidents:events", args=[mine.pk])
    assert client.get(url, {"before": other.events.last().pk}).status_code == 404


def count_queries(client, incident) -> int:
    url = reverse("incidents:detail", args=[incident.pk])
    client.get(url)  # the session's first touch and the remembered counts are not the page's cost
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["clerk", "xsc_liaison"])
def test_the_detail_page_costs_the_same_for_30_and_300_lines(org, role):
    small, large = long_case(org, events=30, reports=10), long_case(org, events=300, reports=100)
    for k in range(1, 8):
        statement = submitted_statement(org, large, text=f"通稿第{k}稿")
        services.statement_reject(statement=statement, actor=org.p.approver, comment="请修改")
    submitted_statement(org, small, text="通稿")
    client = signed_in(getattr(org.p, role))
    assert count_queries(client, small) == count_queries(client, large)


def test_a_long_description_and_statement_are_marked_to_fold(org):
    incident = long_case(org, events=5)
    long_text = "\n".join(f"第{k}段：网民在社交平台持续发帖。" for k in range(1, 40))
    type(incident).objects.filter(pk=incident.pk).update(summary=long_text)
    submitted_statement(org, incident, text=long_text)
    page = signed_in(org.p.xsc_liaison).get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert re.search(r'<p class="pre mb-0" id="summary" data-fold>第1段', page)
    assert re.search(r'<div class="pre" data-fold>第1段', page)
    assert "第39段" in page  # folded by the browser, never cut on the server: without script all of it shows
