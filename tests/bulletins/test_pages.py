"""The pages of 舆情通报: list, draft form, detail with its buttons and receipts, downloads, the template page."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx import Document

from bulletins.models import Bulletin, BulletinReceipt, BulletinTemplate
from tests.bulletins.conftest import approved, draft, issued

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_office_drafts_from_the_page_with_the_periods_figures(org, incident):
    client = client_for(org.p.clerk)
    today = timezone.localdate()
    first = (today - dt.timedelta(days=7)).isoformat()
    page = client.get(reverse("bulletins:create"), {"period_start": first, "period_end": today.isoformat()})
    html = page.content.decode()
    assert page.status_code == 200
    assert "共受理网络舆情 1 起" in html and incident.number in html  # the figures and the period's incidents
    response = client.post(
        reverse("bulletins:create"),
        {
            "title": "关于本周网络舆情情况的通报",
            "body": "本周舆情总体平稳。",
            "period_start": first,
            "period_end": today.isoformat(),
            "incidents": [incident.pk],
            "recipients": [org.xsc.pk, org.rsc.pk],
        },
    )
    bulletin = Bulletin.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "bulletins:detail", args=[bulletin.pk]
    )
    assert bulletin.figures["total"] == 1 and list(bulletin.incidents.all()) == [incident]


def test_an_incident_outside_the_offered_ones_is_refused(org, incident):
    client = client_for(org.p.clerk)
    response = client.post(
        reverse("bulletins:create"),
        {"title": "通报", "body": "正文", "period_start": "2020-01-01", "period_end": "2020-01-31",
         "incidents": [incident.pk], "recipients": [org.xsc.pk]},
    )  # fmt: skip
    assert response.status_code == 400 and not Bulletin.objects.exists()


def test_without_recipients_the_form_says_so(org):
    client = client_for(org.p.clerk)
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("bulletins:create"),
        {"title": "通报", "body": "正文", "period_start": today, "period_end": today},
    )
    assert response.status_code == 400 and "请至少选择一个印发部门。" in response.content.decode()


def test_buttons_follow_the_role_and_the_state(org):
    bulletin = draft(org)
    url = reverse("bulletins:detail", args=[bulletin.pk])
    assert 'id="bulletin-submit"' in client_for(org.p.clerk).get(url).content.decode()
    assert 'id="bulletin-submit"' not in client_for(org.p.leader).get(url).content.decode()
    client_for(org.p.clerk).post(reverse("bulletins:action", args=[bulletin.pk, "submit"]))
    leader_page = client_for(org.p.leader).get(url).content.decode()
    assert 'id="bulletin-approve"' in leader_page and "退回修改" in leader_page
    assert 'id="bulletin-approve"' not in client_for(org.p.clerk).get(url).content.decode()
    refused = client_for(org.p.clerk).post(reverse("bulletins:action", args=[bulletin.pk, "approve"]))
    assert refused.status_code == 403
    client_for(org.p.leader).post(reverse("bulletins:action", args=[bulletin.pk, "approve"]))
    assert 'id="bulletin-issue"' in client_for(org.p.clerk).get(url).content.decode()
    client_for(org.p.clerk).post(reverse("bulletins:action", args=[bulletin.pk, "issue"]))
    assert Bulletin.objects.get(pk=bulletin.pk).number == 1


def test_a_return_from_the_page_needs_a_comment(org):
    bulletin = draft(org)
    client_for(org.p.clerk).post(reverse("bulletins:action", args=[bulletin.pk, "submit"]))
    leader = client_for(org.p.leader)
    leader.post(reverse("bulletins:action", args=[bulletin.pk, "return"]), {"comment": ""})
    assert Bulletin.objects.get(pk=bulletin.pk).status == "pending"
    leader.post(reverse("bulletins:action", args=[bulletin.pk, "return"]), {"comment": "数据有误"})
    assert Bulletin.objects.get(pk=bulletin.pk).status == "draft"
    assert (
        "数据有误"
        in client_for(org.p.clerk).get(reverse("bulletins:edit", args=[bulletin.pk])).content.decode()
    )


def test_the_recipient_reads_it_and_the_office_sees_the_receipt(org, incident):
    bulletin = issued(org, incidents=[incident], recipients=[org.xsc, org.rsc])
    url = reverse("bulletins:detail", args=[bulletin.pk])
    liaison_page = client_for(org.p.rsc_liaison).get(url).content.decode()
    # 人事处 may not see 学生处's incident: its number and title, no link into it.
    assert incident.number in liaison_page and incident.title in liaison_page
    assert reverse("incidents:detail", args=[incident.pk]) not in liaison_page
    assert "阅读回执" not in liaison_page
    office_page = client_for(org.p.clerk).get(url).content.decode()
    assert reverse("incidents:detail", args=[incident.pk]) in office_page
    receipts = office_page.split('id="bulletin-receipts"')[1]
    assert "rsc_liaison" in receipts and "未读" in receipts  # 人事处 read it, 学生处 not yet
    assert (
        BulletinReceipt.objects.get(bulletin=bulletin, department=org.rsc).first_opened_by
        == org.p.rsc_liaison
    )


def test_others_get_404_and_a_draft_is_nobodys_but_the_offices_and_leaders(org):
    bulletin = issued(org, recipients=[org.xsc])
    url = reverse("bulletins:detail", args=[bulletin.pk])
    for who in ("rsc_liaison", "outsider", "xsc_staff"):
        assert client_for(getattr(org.p, who)).get(url).status_code == 404
        assert (
            client_for(getattr(org.p, who)).get(reverse("bulletins:pdf", args=[bulletin.pk])).status_code
            == 404
        )
    hidden = draft(org, recipients=[org.xsc])
    assert client_for(org.p.xsc_liaison).get(reverse("bulletins:detail", args=[hidden.pk])).status_code == 404
    assert client_for(org.p.outsider).get(reverse("bulletins:list")).status_code == 403


def test_the_list_shows_a_departments_person_their_issued_bulletins_and_what_is_unread(org):
    issued(org, title="发给学生处的通报", recipients=[org.xsc])
    issued(org, title="发给人事处的通报", recipients=[org.rsc])
    draft(org, title="尚未印发的通报", recipients=[org.xsc])
    html = client_for(org.p.xsc_liaison).get(reverse("bulletins:list")).content.decode()
    assert "发给学生处的通报" in html and "未读" in html
    assert "发给人事处的通报" not in html and "尚未印发的通报" not in html
    office = client_for(org.p.clerk).get(reverse("bulletins:list"), {"status": "draft"}).content.decode()
    assert "尚未印发的通报" in office and "发给学生处的通报" not in office


def test_the_navigation_offers_bulletins_to_office_leaders_and_recipients(org):
    link = f'href="{reverse("bulletins:list")}"'
    for who in ("clerk", "leader", "top_leader", "xsc_liaison", "xsc_head"):
        assert link in client_for(getattr(org.p, who)).get(reverse("incidents:home")).content.decode(), who
    for who in ("outsider", "xsc_staff", "sysadmin"):
        assert link not in client_for(getattr(org.p, who)).get(reverse("incidents:home")).content.decode(), (
            who
        )


@pytest.mark.parametrize(("role", "queries"), [("clerk", 8), ("leader", 6), ("xsc_liaison", 6)])
def test_the_list_runs_a_fixed_number_of_queries(org, role, queries, django_assert_num_queries):
    client = client_for(getattr(org.p, role))
    client.get(reverse("incidents:home"))
    for n in range(2):
        issued(org, title=f"通报{n}", recipients=[org.xsc])
        draft(org)
        with django_assert_num_queries(queries):
            assert client.get(reverse("bulletins:list")).status_code == 200


def test_downloads_read_back_and_count_as_opening(org):
    bulletin = issued(org, recipients=[org.xsc])
    client = client_for(org.p.xsc_head)
    pdf = client.get(reverse("bulletins:pdf", args=[bulletin.pk]))
    assert (
        pdf.status_code == 200
        and pdf["Content-Type"] == "application/pdf"
        and pdf.content.startswith(b"%PDF")
    )
    word = client.get(reverse("bulletins:docx", args=[bulletin.pk]))
    assert word.status_code == 200 and "attachment" in word["Content-Disposition"]
    assert bulletin.title in [p.text for p in Document(io.BytesIO(word.content)).paragraphs]
    assert BulletinReceipt.objects.get(bulletin=bulletin).first_opened_by == org.p.xsc_head


def docx_upload(text: str, name="模板.docx") -> SimpleUploadedFile:
    document = Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/octet-stream")


def test_the_office_replaces_the_template_and_restores_the_default(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(org.p.clerk)
    url = reverse("bulletins:template")
    response = client.post(url, {"file": docx_upload("本校自定义：{{ number_text }} {{ title }}")})
    assert response.status_code == 302
    assert BulletinTemplate.objects.get().file.path.startswith(str(tmp_path))
    bulletin = issued(org, recipients=[org.xsc])
    word = client.get(reverse("bulletins:docx", args=[bulletin.pk]))
    assert [p.text for p in Document(io.BytesIO(word.content)).paragraphs] == [
        f"本校自定义：{bulletin.number_text} {bulletin.title}"
    ]
    client.post(reverse("bulletins:template_reset"))
    assert not BulletinTemplate.objects.exists()
    word = client.get(reverse("bulletins:docx", args=[bulletin.pk]))
    assert (
        Document(io.BytesIO(word.content)).paragraphs[0].text
        == "自贡职业技术学院网络舆情处置工作领导小组办公室"
    )


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("x.docx", b"not a zip"), "无法打开"),
        (None, "无法填充"),
        (SimpleUploadedFile("x.txt", b"text"), ".docx"),
    ],
)
def test_a_template_that_does_not_render_is_refused(org, settings, tmp_path, upload, message):
    settings.MEDIA_ROOT = tmp_path
    upload = upload or docx_upload("{{ title ")  # an unclosed placeholder
    response = client_for(org.p.clerk).post(reverse("bulletins:template"), {"file": upload})
    assert response.status_code == 400 and message in response.content.decode()
    assert not BulletinTemplate.objects.exists()


def test_a_template_cannot_reach_python_objects(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = docx_upload("{{ title.__class__.__mro__[1].__subclasses__() }}")
    response = client_for(org.p.clerk).post(reverse("bulletins:template"), {"file": upload})
    assert response.status_code == 400 and "无法填充" in response.content.decode()


def test_only_the_office_keeps_the_template(org):
    for who in ("leader", "xsc_liaison"):
        assert client_for(getattr(org.p, who)).get(reverse("bulletins:template")).status_code == 403


def test_an_approved_bulletin_is_not_edited_from_the_page(org):
    bulletin = approved(org)
    response = client_for(org.p.clerk).get(reverse("bulletins:edit", args=[bulletin.pk]))
    assert response.status_code == 302


@pytest.mark.parametrize("value", [str(2**63), "-1", "١٢", "x"])
def test_an_impossible_id_is_an_invalid_choice(org, value):
    today = timezone.localdate().isoformat()
    response = client_for(org.p.clerk).post(
        reverse("bulletins:create"),
        {"title": "通报", "body": "正文", "period_start": today, "period_end": today, "incidents": [value],
         "recipients": [value]},
    )  # fmt: skip
    assert response.status_code == 400 and not Bulletin.objects.exists()
