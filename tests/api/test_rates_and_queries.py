"""Each client its own rate (429 with Retry-After, the others unaffected), no failure when Redis is down, and a
constant number of queries per list whatever its length."""

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.models import ApiClient
from incidents import services as incident_services
from opinion_system import cache as resilient
from tests.factories import assessed, report
from tests.leads.conftest import add_info_center, push

from .conftest import token_client

URL = "/api/v1/incidents/"
CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once (as tests/test_redis_outage.py)


@pytest.fixture(autouse=True)
def fresh_breakers():
    resilient.reset_breakers()
    yield
    resilient.reset_breakers()


def test_a_client_over_its_rate_gets_429_while_another_still_passes(org):
    busy, _ = token_client(org.p.clerk, name="频繁", rate=3)
    calm, _ = token_client(org.p.clerk, name="平稳", rate=3)
    assert [busy.get(URL).status_code for _ in range(3)] == [200, 200, 200]
    refused = busy.get(URL)
    assert refused.status_code == 429
    assert refused.json()["detail"].startswith("请求过于频繁")
    assert 0 < int(refused["Retry-After"]) <= 60
    assert calm.get(URL).status_code == 200


def test_the_default_rate_comes_from_the_setting(org, settings):
    settings.API_RATE_PER_MINUTE = 2
    http, client = token_client(org.p.clerk)
    assert client.rate_per_minute is None
    assert [http.get(URL).status_code for _ in range(3)] == [200, 200, 429]


def test_with_redis_unreachable_the_api_answers_unthrottled(org, settings):
    http, _ = token_client(org.p.clerk, rate=2)
    settings.CACHES = {"default": {**django_settings.CACHES["default"], "LOCATION": CLOSED}}
    assert [http.get(URL).status_code for _ in range(4)] == [200, 200, 200, 200]
    center = add_info_center(org)
    monitor, _ = token_client(center.monitor, rate=2)
    pushed = monitor.post(
        "/api/v1/leads/",
        {"platform": "微博", "url": "https://weibo.com/x/1", "title": "网传", "captured_at": "2026-01-05T08:00",
         "source_system": "监测"},
        content_type="application/json",
    )  # fmt: skip
    assert pushed.status_code == 201, pushed.content


# --- queries ------------------------------------------------------------------------------------------------


def count_queries(http, url: str) -> int:
    http.get(url)  # the client's last-use stamp is written on the first request only (at most once a minute)
    with CaptureQueriesContext(connection) as queries:
        response = http.get(url)
    assert response.status_code == 200
    return len(queries)


def incidents_of_rsc(org, n: int) -> None:
    for i in range(n):
        incident = report(org, reporter=org.p.rsc_liaison, title=f"人事处舆情{i}")
        incident_services.incident_assess(
            incident=incident, actor=org.p.clerk, category="C", level=3, responsible_department=org.rsc
        )


@pytest.mark.parametrize("rows", [2, 20])
def test_the_incident_list_costs_the_same_for_2_and_20_rows(org, rows, django_assert_num_queries):
    incidents_of_rsc(org, rows)
    http, _ = token_client(org.p.rsc_head)
    http.get(URL)
    # the client and its account, the account's roles and department rights, the count, the page
    with django_assert_num_queries(5):
        body = http.get(URL).json()
    assert len(body["results"]) == rows


@pytest.mark.parametrize("rows", [2, 20])
def test_the_deadline_list_costs_the_same_for_2_and_20_rows(org, rows, django_assert_num_queries):
    incident = assessed(org, level=1, category="A")
    for _ in range(rows - len(incident.deadlines.all())):
        incident_services.progress_report_add(incident=incident, actor=org.p.xsc_liaison, content="进展")
    http, _ = token_client(org.p.clerk)
    url = f"/api/v1/incidents/{incident.pk}/deadlines/"
    http.get(url)
    # the client, the roles, the incident, the count, the page
    with django_assert_num_queries(5):
        body = http.get(url).json()
    assert body["count"] >= rows


@pytest.mark.parametrize("rows", [2, 20])
def test_the_notice_list_costs_the_same_for_2_and_20_rows(org, rows, django_assert_num_queries):
    for i in range(rows):
        report(org, title=f"新舆情{i}")
    http, _ = token_client(org.p.clerk)
    http.get("/api/v1/notices/")
    # the client, the count, the page with its incidents, which of them the account still sees (roles)
    with django_assert_num_queries(5):
        body = http.get("/api/v1/notices/").json()
    assert body["count"] == rows


@pytest.mark.parametrize("rows", [2, 20])
def test_the_lead_list_costs_the_same_for_2_and_20_rows(org, rows, django_assert_num_queries):
    center = add_info_center(org)
    for i in range(rows):
        push(center.monitor, url=f"https://weibo.com/x/{i}", external_id=f"MON-{i}")
    http, _ = token_client(center.monitor)
    http.get("/api/v1/leads/")
    # the client, the account's roles (is it the office?), its department, the count, the page
    with django_assert_num_queries(5):
        body = http.get("/api/v1/leads/").json()
    assert body["count"] == rows


def test_last_use_is_not_written_by_every_request(org):
    http, client = token_client(org.p.clerk)
    http.get(URL)
    stamped = ApiClient.objects.get(pk=client.pk).last_used_at
    assert stamped is not None
    assert count_queries(http, URL) == count_queries(http, URL)
