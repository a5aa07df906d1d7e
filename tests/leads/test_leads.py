"""线索 (第七条): a monitoring tool pushes an item, the office promotes, merges or dismisses it."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Evidence, Incident, IncidentSource
from leads import services
from leads.models import Lead, LeadScreenshot, url_key
from notifications.models import Notice
from opinion_system.errors import DomainError, NotAllowed, StaleObject
from tests.factories import assessed, fresh, png_upload
from tests.leads.conftest import push

pytestmark = pytest.mark.django_db


# --- receiving -----------------------------------------------------------------------------------------------


def test_a_pushed_item_waits_in_the_inbox_and_the_office_is_told(org, center):
    lead, created = push(center.monitor, screenshot=png_upload("微博截图.png"))
    assert created and lead.status == Lead.Status.NEW and lead.times_seen == 1
    assert LeadScreenshot.objects.get(lead=lead).content_type == "image/png"
    told = Notice.objects.filter(kind="lead_received", channel="in_app")
    assert set(told.values_list("recipient", flat=True)) == {org.p.clerk.pk}
    assert told.get().link == reverse("leads:detail", args=[lead.pk])


def test_the_same_url_again_is_the_same_lead(org, center):
    first, _ = push(center.monitor, external_id="")
    again, created = push(center.monitor, external_id="", url="HTTP://WEIBO.com/1234567/AbCdEf/#comments")
    assert not created and again.pk == first.pk and again.times_seen == 2
    assert Lead.objects.count() == 1
    assert Notice.objects.filter(kind="lead_received").count() == 1  # told once, of the new lead only


def test_the_same_external_id_again_is_the_same_lead(org, center):
    first, _ = push(center.monitor)
    again, created = push(center.monitor, url="https://weibo.com/other/post")
    assert not created and again.pk == first.pk
    # Another system's item with the same id is another item.
    other, created = push(center.monitor, url="https://tieba.baidu.com/p/1", source_system="另一监测平台")
    assert created and other.pk != first.pk


def test_a_repeat_keeps_what_the_office_decided(org, center):
    lead, _ = push(center.monitor)
    services.lead_dismiss(lead=lead, actor=org.p.clerk, reason="广告信息")
    again, created = push(center.monitor)
    assert not created and again.status == Lead.Status.DISMISSED and again.times_seen == 2


def test_url_key_ignores_what_does_not_name_the_post():
    assert url_key("https://Weibo.com/a/b/") == url_key("http://weibo.com/a/b#x") == url_key("weibo.com/a/b")
    assert url_key("https://tieba.baidu.com/f?kz=1") != url_key("https://tieba.baidu.com/f?kz=2")
    assert url_key("") == ""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": " "}, "请填写标题"),
        ({"url": "javascript:alert(1)"}, "不是网页地址"),
        ({"url": "", "external_id": ""}, "请至少提供网址或来源系统编号"),
        ({"captured_at": timezone.now() + dt.timedelta(hours=2)}, "不能晚于当前时间"),
        ({"captured_at": dt.datetime(882, 7, 13, tzinfo=dt.UTC)}, "发现时间应在 2000 年至 2099 年之间"),
        ({"title": "长" * 201}, "标题过长"),
    ],
)
def test_bad_items_are_refused_in_chinese_and_nothing_is_written(org, center, change, message):
    with pytest.raises(DomainError, match=message):
        push(center.monitor, **change)
    assert not Lead.objects.exists()


def test_a_file_that_is_not_a_screenshot_is_refused(org, center):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(DomainError, match="不是允许的类型"):
        push(center.monitor, screenshot=SimpleUploadedFile("x.png", b"<script>", content_type="image/png"))
    assert not Lead.objects.exists() and not LeadScreenshot.objects.exists()


def test_only_the_information_centre_and_the_office_may_push(org, center):
    with pytest.raises(NotAllowed):
        push(org.p.xsc_liaison)
    lead, created = push(org.p.clerk)
    assert created and lead.submitted_by == org.p.clerk


# --- the office's judgement ----------------------------------------------------------------------------------


def test_promoting_files_a_report_with_the_screenshot_as_evidence(org, center):
    lead, _ = push(center.monitor, screenshot=png_upload())
    incident = services.lead_promote(
        lead=lead,
        actor=org.p.clerk,
        title=lead.title,
        summary=lead.text,
        discovered_at=lead.captured_at,
        sources=[(lead.platform, lead.url)],
        department=org.xsc,
    )
    lead.refresh_from_db()
    assert (
        lead.status == Lead.Status.PROMOTED and lead.incident == incident and lead.handled_by == org.p.clerk
    )
    assert incident.responsible_department == org.xsc and incident.status == "reported"
    assert list(incident.sources.values_list("url", flat=True)) == [lead.url]
    assert incident.evidence.get().content_type == "image/png"
    first_line = incident.events.order_by("pk").first().message
    assert first_line.endswith("（由线索转为舆情：舆情监测平台 MON-0001，微博）")


def test_a_refused_report_leaves_the_lead_waiting(org, center):
    lead, _ = push(center.monitor)
    with pytest.raises(DomainError):
        services.lead_promote(
            lead=lead, actor=org.p.clerk, title="", summary="x", discovered_at=lead.captured_at,
            sources=[(lead.platform, lead.url)], department=org.xsc,
        )  # fmt: skip
    lead.refresh_from_db()
    assert lead.status == Lead.Status.NEW and not Incident.objects.exists()


def test_merging_adds_the_address_and_captures_to_the_incident(org, center):
    incident = assessed(org, level=3)
    lead, _ = push(center.monitor, screenshot=png_upload())
    services.lead_merge(lead=lead, into=incident, actor=org.p.clerk)
    lead.refresh_from_db()
    assert lead.status == Lead.Status.MERGED and lead.incident == incident
    assert IncidentSource.objects.filter(incident=incident, url=lead.url).count() == 1
    assert Evidence.objects.filter(incident=incident).count() == 1


def test_dismissing_needs_a_reason(org, center):
    lead, _ = push(center.monitor)
    with pytest.raises(DomainError, match="请填写排除理由"):
        services.lead_dismiss(lead=lead, actor=org.p.clerk, reason="  ")
    services.lead_dismiss(lead=lead, actor=org.p.clerk, reason="与本校无关")
    lead.refresh_from_db()
    assert lead.status == Lead.Status.DISMISSED and lead.dismiss_reason == "与本校无关"


def test_a_lead_is_judged_once(org, center):
    lead, _ = push(center.monitor)
    services.lead_dismiss(lead=lead, actor=org.p.clerk, reason="广告")
    with pytest.raises(StaleObject, match="已由"):
        services.lead_merge(lead=lead, into=assessed(org), actor=org.p.clerk)


def test_only_the_office_judges(org, center):
    lead, _ = push(center.monitor)
    for person in (center.monitor, org.p.xsc_head, org.p.leader):
        with pytest.raises(NotAllowed):
            services.lead_dismiss(lead=lead, actor=person, reason="x")


# --- the pages ------------------------------------------------------------------------------------------------


def test_the_inbox_shows_waiting_leads_to_the_office_only(client, org, center):
    waiting, _ = push(center.monitor)
    done, _ = push(
        center.monitor, url="https://tieba.baidu.com/p/2", external_id="MON-2", title="已排除的帖子"
    )
    services.lead_dismiss(lead=done, actor=org.p.clerk, reason="广告")
    client.force_login(org.p.clerk)
    page = client.get(reverse("leads:inbox")).content.decode()
    assert waiting.title in page and done.title not in page  # the waiting ones by default
    assert done.title in client.get(reverse("leads:inbox"), {"status": "dismissed"}).content.decode()
    for person in (org.p.xsc_liaison, center.monitor, org.p.leader):
        client.force_login(person)
        assert client.get(reverse("leads:inbox")).status_code == 403
        assert client.get(reverse("leads:detail", args=[waiting.pk])).status_code == 404


def test_the_inbox_runs_the_same_queries_for_2_and_20_leads(
    client, org, center, django_assert_max_num_queries
):
    client.force_login(org.p.clerk)
    client.get(reverse("leads:inbox"))  # the session's first request does its own bookkeeping

    def queries(n):
        for i in range(Lead.objects.count(), n):
            push(
                center.monitor,
                url=f"https://weibo.com/p/{i}",
                external_id=f"MON-{i}",
                screenshot=png_upload(),
            )
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("leads:inbox")).status_code == 200
        return len(ctx)

    assert queries(2) == queries(20)


def test_promote_page_is_the_report_form_filled_from_the_lead(client, org, center):
    lead, _ = push(center.monitor, screenshot=png_upload())
    client.force_login(org.p.clerk)
    page = client.get(reverse("leads:promote", args=[lead.pk])).content.decode()
    assert f'value="{lead.title}"' in page and lead.text in page and lead.url in page
    token = "t-promote-1"
    data = {
        "title": "网传食堂饭菜涨价（核实中）",
        "summary": lead.text,
        "discovered_at": timezone.localtime(lead.captured_at).strftime("%Y-%m-%dT%H:%M"),
        "platform": lead.platform,
        "url": lead.url,
        "department": org.xsc.pk,
        "token": token,
    }
    response = client.post(reverse("leads:promote", args=[lead.pk]), data)
    incident = Incident.objects.get()
    assert response.status_code == 302 and response.url == reverse("incidents:detail", args=[incident.pk])
    assert incident.title == "网传食堂饭菜涨价（核实中）" and incident.evidence.count() == 1
    # The same form sent again (a double click) files nothing more.
    client.post(reverse("leads:promote", args=[lead.pk]), data)
    assert Incident.objects.count() == 1


def test_merge_by_an_unknown_number_is_refused_on_the_page(client, org, center):
    lead, _ = push(center.monitor)
    client.force_login(org.p.clerk)
    response = client.post(reverse("leads:merge", args=[lead.pk]), {"number": "YQ-1999-9999", "token": "m1"})
    assert response.status_code == 400 and "没有编号为 YQ-1999-9999 的舆情" in response.content.decode()
    assert Lead.objects.get().status == Lead.Status.NEW
    incident = assessed(org)
    response = client.post(
        reverse("leads:merge", args=[lead.pk]), {"number": incident.number.lower(), "token": "m2"}
    )
    assert response.status_code == 302 and Lead.objects.get().incident == incident


def test_dismiss_on_the_page_and_a_stale_second_judgement(client, org, center):
    lead, _ = push(center.monitor)
    client.force_login(org.p.clerk)
    refused = client.post(reverse("leads:dismiss", args=[lead.pk]), {"reason": "", "token": "d1"})
    assert refused.status_code == 400 and Lead.objects.get().status == Lead.Status.NEW
    client.post(reverse("leads:dismiss", args=[lead.pk]), {"reason": "广告信息", "token": "d2"})
    assert Lead.objects.get().status == Lead.Status.DISMISSED
    # Another clerk's page, opened before: told it is done, nothing changes.
    client.force_login(fresh(org.p.clerk))
    stale = client.post(
        reverse("leads:merge", args=[lead.pk]), {"number": assessed(org).number, "token": "m3"}
    )
    assert stale.status_code == 302
    assert Lead.objects.get().status == Lead.Status.DISMISSED


def test_screenshots_are_served_to_the_office_only(client, org, center):
    lead, _ = push(center.monitor, screenshot=png_upload())
    shot = lead.screenshots.get()
    url = reverse("leads:screenshot", args=[lead.pk, shot.pk])
    client.force_login(org.p.clerk)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert client.get(reverse("leads:screenshot", args=[lead.pk, 2**63 + 5])).status_code == 404
    client.force_login(org.p.xsc_head)
    assert client.get(url).status_code == 404
