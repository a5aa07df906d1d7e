"""Input a person (or a script) can send that once answered 500: impossible dates, a date at the end of the
calendar, a username longer than any, a notice id in superscript digits, a request body over the limit. Each
now gets a Chinese answer and saves nothing."""

import uuid

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from incidents.models import Incident, LevelOneDuty
from notifications.models import Notice
from reports.models import ArchiveExport
from tests.factories import assessed, report

YEAR_ONE = (
    "0001-01-01T00:00"  # before year 1 once turned into UTC: PostgreSQL stored it, then could not read it
)


def report_data(**changes) -> dict:
    return {"title": "年份写错的一条", "summary": "内容", "discovered_at": "2026-03-01T08:00", "platform": "微博",
            "url": "https://weibo.example/1", "token": uuid.uuid4().hex, **changes}  # fmt: skip


@pytest.mark.parametrize("when", [YEAR_ONE, "1999-12-31T23:59", "2100-01-01T08:00", "9999-12-31T23:59"])
def test_a_report_with_an_impossible_year_is_refused_and_keeps_what_was_typed(client, org, when):
    client.force_login(org.p.xsc_staff)
    response = client.post(reverse("incidents:report"), report_data(discovered_at=when))
    page = response.content.decode()
    assert response.status_code == 400 and "发现时间应在 2000 年至 2099 年之间" in page
    assert 'value="年份写错的一条"' in page
    assert not Incident.objects.filter(title="年份写错的一条").exists()
    assert client.get(reverse("incidents:home")).status_code == 200


def test_a_level_one_duty_done_in_year_one_is_refused(client, org):
    incident = assessed(org, level=1, category="A")
    client.force_login(org.p.clerk)
    url = reverse("incidents:action", args=[incident.pk, "duty"])
    data = {
        "version": incident.version,
        "token": uuid.uuid4().hex,
        "kind": "report_top_leaders",
        "done_at": YEAR_ONE,
    }
    response = client.post(url, data)
    assert response.status_code == 400 and "完成时间应在 2000 年至 2099 年之间" in response.content.decode()
    assert not LevelOneDuty.objects.filter(incident=incident, done_at__isnull=False).exists()
    assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 200


def test_the_list_names_and_ignores_a_date_filter_outside_the_calendar(client, org):
    report(org)
    client.force_login(org.p.clerk)
    response = client.get(
        reverse("incidents:list"), {"reported_after": "0001-01-01", "reported_before": "9999-12-31"}
    )
    page = response.content.decode()
    assert (
        response.status_code == 200
        and "<strong>上报起</strong>" in page
        and "<strong>上报止</strong>" in page
    )
    assert page.count('<tr class="') == 1  # both left out: the incident is listed


@pytest.mark.parametrize(("start", "end"), [("9999-01-01", "9999-12-31"), ("0001-01-01", "0001-12-31")])
def test_an_archive_export_at_the_ends_of_the_calendar_is_refused_in_chinese(client, org, start, end):
    client.force_login(org.p.clerk)
    response = client.post(reverse("reports:archive"), {"start": start, "end": end})
    page = response.content.decode()
    assert response.status_code == 400 and "应在 2000 年至 2099 年之间" in page
    assert f'value="{start}"' in page  # what was typed is kept
    assert not ArchiveExport.objects.exists()


def test_a_username_longer_than_any_is_counted_as_a_failed_sign_in_not_a_500(db):
    client = Client()
    long_name = "用" * 300
    for _ in range(2):
        response = client.post(reverse("login"), {"username": long_name, "password": "x"})
        assert response.status_code == 200 and "用户名" in response.content.decode()
    attempt = AccessAttempt.objects.get()
    assert attempt.username == long_name[:150] and attempt.failures_since_start == 2
    admin = client.post(reverse("admin:login"), {"username": long_name, "password": "x"})
    assert admin.status_code == 200


@pytest.mark.parametrize("notice_id", ["²", "１", "1e3", "-1", "abc"])
def test_a_notice_id_that_is_not_plain_digits_is_not_found(client, org, notice_id):
    client.force_login(org.p.xsc_head)
    unread = Notice.objects.filter(recipient=org.p.xsc_head, read_at__isnull=True).count()
    assert client.post(reverse("notifications:read"), {"id": notice_id}).status_code == 404
    assert Notice.objects.filter(recipient=org.p.xsc_head, read_at__isnull=True).count() == unread


def test_a_request_over_the_size_limit_gets_the_chinese_400_page_and_changes_nothing(client, org):
    incident = assessed(org, level=2)
    client.force_login(org.p.xsc_liaison)
    url = reverse("incidents:action", args=[incident.pk, "progress"])
    response = client.post(
        url, {"version": incident.version, "token": uuid.uuid4().hex, "content": "进" * 2_000_000}
    )
    page = response.content.decode()
    assert response.status_code == 400 and "请求无法处理" in page and "已经保存的内容不受影响" in page
    assert not incident.progress_reports.exists()
    too_many = {f"f{k}": "x" for k in range(1200)}
    response = client.post(url, too_many)
    assert response.status_code == 400 and "请求无法处理" in response.content.decode()
