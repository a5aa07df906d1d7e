"""The API answers each account exactly as the access modules decide (第七条 for leads, 属地管理 for incidents)."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from incidents import services as incident_services
from leads.models import Lead
from notifications.models import Notice
from tests.factories import assessed, png_upload, report
from tests.leads.conftest import add_info_center, push

from .conftest import token_client

LEADS = "/api/v1/leads/"


@pytest.fixture
def monitor_api(org):
    """The 实训（信息）中心's monitoring tool: a client acting as the centre's service account."""
    center = add_info_center(org)
    return token_client(center.monitor, name="舆情监测系统")[0], center.monitor


def item(**kw) -> dict:
    fields = {
        "platform": "微博",
        "url": "https://weibo.com/1234567/AbCdEf",
        "title": "网传学校食堂饭菜涨价",
        "text": "有网友发帖称学校食堂饭菜普遍涨价三成。",
        "captured_at": (timezone.now() - dt.timedelta(minutes=20)).isoformat(),
        "source_system": "舆情监测平台",
        "external_id": "MON-0001",
    }
    return fields | kw


# --- leads ---------------------------------------------------------------------------------------------------


def test_a_pushed_item_becomes_a_lead_201(monitor_api):
    http, monitor = monitor_api
    response = http.post(LEADS, item(), content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    lead = Lead.objects.get(pk=body["id"])
    assert lead.submitted_by == monitor and lead.times_seen == 1
    assert body["status"] == {"code": "new", "label": "待处理"} and body["incident"] is None
    assert body["received_at"].endswith("+08:00")


def test_the_same_url_again_is_the_same_lead_200(monitor_api):
    http, _ = monitor_api
    first = http.post(LEADS, item(), content_type="application/json").json()
    again = http.post(LEADS, item(external_id="MON-9999"), content_type="application/json")
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["times_seen"] == 2
    assert Lead.objects.count() == 1


def test_the_same_external_id_again_is_the_same_lead_200(monitor_api):
    http, _ = monitor_api
    first = http.post(LEADS, item(), content_type="application/json").json()
    again = http.post(LEADS, item(url="https://weibo.com/other/post"), content_type="application/json")
    assert again.status_code == 200
    assert again.json()["id"] == first["id"] and again.json()["times_seen"] == 2


def test_a_screenshot_comes_as_multipart(monitor_api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    http, _ = monitor_api
    response = http.post(LEADS, {**item(), "screenshot": png_upload("截图.png")})
    assert response.status_code == 201, response.content
    assert Lead.objects.get(pk=response.json()["id"]).screenshots.count() == 1


def test_a_screenshot_that_is_not_an_image_is_400_in_chinese(monitor_api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    http, _ = monitor_api
    from django.core.files.uploadedfile import SimpleUploadedFile

    fake = SimpleUploadedFile("截图.png", b"MZ\x90\x00 not an image", content_type="image/png")
    response = http.post(LEADS, {**item(), "screenshot": fake})
    assert response.status_code == 400
    assert not response.json()["detail"].isascii()
    assert not Lead.objects.exists()


def test_a_huge_body_is_refused_before_it_is_read(monitor_api, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    http, _ = monitor_api
    response = http.post(LEADS, {**item(), "screenshot": png_upload("大图.png")} | {"text": "长" * 20000})
    assert response.status_code == 413
    assert response.json()["detail"].startswith("上传内容过大")
    as_json = http.post(LEADS, item(text="长" * 2000), content_type="application/json")
    assert as_json.status_code == 413
    assert not Lead.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"captured_at": "昨天"}, "captured_at"),
        ({"platform": "平" * 101}, "platform"),
        ({"url": "", "external_id": ""}, None),  # the service's rule: something to recognise it by
        ({"url": "javascript:alert(1)"}, None),
    ],
)
def test_bad_input_is_400_with_chinese_messages(monitor_api, change, field):
    http, _ = monitor_api
    response = http.post(LEADS, item(**change), content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert not body["detail"].isascii()
    if field:
        assert not body["errors"][field][0].isascii()
    assert not Lead.objects.exists()


def test_a_liaisons_client_may_not_push_403(org):
    http, _ = token_client(org.p.xsc_liaison)
    response = http.post(LEADS, item(), content_type="application/json")
    assert response.status_code == 403
    assert response.json() == {"detail": "只有实训（信息）中心或党群工作部的账号可以推送线索。"}
    assert http.get(LEADS).status_code == 403
    assert not Lead.objects.exists()


def test_a_pushing_account_reads_its_own_leads_the_office_all(org, monitor_api):
    http, monitor = monitor_api
    own, _ = push(monitor)
    other_center_account = type(monitor).objects.create_user(
        "sxzx_other", password="pw", department=monitor.department
    )
    others, _ = push(other_center_account, url="https://douyin.com/v/1", external_id="MON-2")
    assert [r["id"] for r in http.get(LEADS).json()["results"]] == [own.pk]
    assert http.get(f"{LEADS}{own.pk}/").status_code == 200
    assert http.get(f"{LEADS}{others.pk}/").status_code == 404
    office, _ = token_client(org.p.clerk)
    assert {r["id"] for r in office.get(LEADS).json()["results"]} == {own.pk, others.pk}
    liaison, _ = token_client(org.p.xsc_liaison)
    assert liaison.get(f"{LEADS}{own.pk}/").status_code == 404


# --- incidents ------------------------------------------------------------------------------------------------


def test_another_departments_client_gets_404_and_an_empty_list(org):
    """人事处's incident: 学生处's client cannot tell it exists; the office's client reads it."""
    theirs = incident_services.incident_assess(
        incident=report(org, reporter=org.p.rsc_liaison), actor=org.p.clerk, category="C", level=3,
        responsible_department=org.rsc,
    )  # fmt: skip
    xsc, _ = token_client(org.p.xsc_liaison)
    office, _ = token_client(org.p.clerk)
    for url in (f"/api/v1/incidents/{theirs.pk}/", f"/api/v1/incidents/{theirs.pk}/deadlines/"):
        response = xsc.get(url)
        assert response.status_code == 404
        assert theirs.number not in response.content.decode()
        assert office.get(url).status_code == 200
    assert theirs.pk not in [r["id"] for r in xsc.get("/api/v1/incidents/").json()["results"]]
    assert theirs.pk in [r["id"] for r in office.get("/api/v1/incidents/").json()["results"]]


def test_an_incident_shows_status_level_departments_and_its_page(org):
    incident = assessed(org, level=2)
    office, _ = token_client(org.p.clerk)
    body = office.get(f"/api/v1/incidents/{incident.pk}/").json()
    assert body["number"] == incident.number
    assert body["status"] == {"code": "in_disposal", "label": "处置中"}
    assert body["level"] == {"code": 2, "label": "二级舆情"}
    assert body["responsible_department"] == {"id": org.xsc.pk, "name": "学生处"}
    assert body["reported_at"].endswith("+08:00") and body["discovered_at"].endswith("+08:00")
    assert body["page_url"] == f"http://testserver/incidents/{incident.pk}/"
    unassessed = report(org)
    assert office.get(f"/api/v1/incidents/{unassessed.pk}/").json()["level"] is None


def test_deadlines_with_their_state_and_chinese_labels(org, time_machine):
    incident = assessed(org, level=2)
    office, _ = token_client(org.p.clerk)
    rows = office.get(f"/api/v1/incidents/{incident.pk}/deadlines/").json()["results"]
    assert [(r["kind"]["code"], r["state"]["label"], r["overdue"]) for r in rows] == [
        ("daily_exchange", "进行中", False)
    ]
    time_machine.move_to(timezone.now() + dt.timedelta(days=3))
    rows = office.get(f"/api/v1/incidents/{incident.pk}/deadlines/").json()["results"]
    assert rows[0]["overdue"] is True and rows[0]["kind"]["label"] == "每日互通信息（二级）"


# --- notices ------------------------------------------------------------------------------------------------


def test_notices_are_only_ones_own(org):
    report(org)  # the office is told of a new report
    clerk_notices = set(
        Notice.objects.filter(recipient=org.p.clerk, channel="in_app").values_list("pk", flat=True)
    )
    assert clerk_notices
    office, _ = token_client(org.p.clerk)
    xsc, _ = token_client(org.p.xsc_liaison)
    assert {r["id"] for r in office.get("/api/v1/notices/").json()["results"]} == clerk_notices
    assert not clerk_notices & {r["id"] for r in xsc.get("/api/v1/notices/").json()["results"]}


def test_a_notice_about_an_incident_moved_away_hides_it(org):
    """学生处's head was told of the case; moved to 人事处, the notice keeps its kind, not the title."""
    incident = assessed(org, department=org.xsc)
    incident_services.incident_reassign(
        incident=incident, actor=org.p.clerk, department=org.rsc, reason="职责调整"
    )
    head, _ = token_client(org.p.xsc_head)
    text = head.get("/api/v1/notices/").content.decode()
    assert incident.title not in text and incident.number not in text


# --- errors -------------------------------------------------------------------------------------------------


def test_refusals_are_json_with_a_chinese_detail(org):
    office, _ = token_client(org.p.clerk)
    answers = {
        "missing address": office.get("/api/v1/no-such-thing/"),
        "missing object": office.get("/api/v1/incidents/999999/"),
        "method": office.delete("/api/v1/incidents/"),
        "anonymous": Client().get("/api/v1/incidents/"),
    }
    for what, response in answers.items():
        assert response["Content-Type"].startswith("application/json"), what
        assert not response.json()["detail"].isascii(), what
    assert [r.status_code for r in answers.values()] == [404, 404, 405, 401]


def test_a_missing_api_address_is_json_in_the_demo_too(org, settings):
    settings.DEBUG = True
    office, _ = token_client(org.p.clerk)
    response = office.get("/api/v2/incidents/")
    assert response.status_code == 404 and response.json()["detail"].startswith("接口地址不存在")
