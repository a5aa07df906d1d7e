"""第十五条 表彰与问责台账: kept by the office, with its history, its files behind an access check; and the weights."""

import datetime as dt
import re
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evaluation.models import EvaluationWeights, LedgerAttachment, LedgerEntry, LedgerLink
from tests.factories import png_upload, report


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def body(org, **more) -> dict:
    return {
        "kind": "accountability",
        "person": org.p.xsc_head.pk,
        "subject_name": "",
        "department": org.xsc.pk,
        "decision": "对舆情处置不力予以问责",
        "decided_by": "学校党委",
        "decided_on": "2025-05-06",
        "incident_numbers": "",
        "token": uuid.uuid4().hex,
        **more,
    }


def signed_in(client, user):
    client.force_login(user)
    return client


def create(client, org, **more):
    return client.post(reverse("evaluation:ledger_create"), body(org, **more))


def test_the_office_records_an_entry_with_its_incidents_and_a_scan_and_the_history_names_the_clerk(
    client, org
):
    incident = report(org)
    signed_in(client, org.p.clerk)
    response = create(client, org, incident_numbers=f" {incident.number}，", files=png_upload("决定.png"))
    entry = LedgerEntry.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "evaluation:ledger_detail", args=[entry.pk]
    )
    assert (entry.kind, entry.person, entry.department, entry.recorded_by) == (
        "accountability",
        org.p.xsc_head,
        org.xsc,
        org.p.clerk,
    )
    assert list(entry.incidents.all()) == [incident]
    (history,) = entry.history.all()
    assert (history.history_user, history.history_change_reason) == (org.p.clerk, "登记问责")
    assert LedgerLink.history.get().history_user == org.p.clerk
    attachment = LedgerAttachment.objects.get()
    assert attachment.original_name == "决定.png" and attachment.content_type == "image/png"
    assert re.fullmatch(r"ledger/[0-9a-f]{32}\.png", attachment.file.name)  # never the uploader's name
    page = client.get(reverse("evaluation:ledger_detail", args=[entry.pk])).content.decode()
    assert "问责" in page and incident.number in page and "决定.png" in page and "登记问责" in page


def test_the_information_platform_is_a_subject_too(client, org):
    signed_in(client, org.p.clerk)
    create(client, org, kind="commendation", person="", subject_name="学校网络舆情信息平台")
    entry = LedgerEntry.objects.get()
    assert entry.person is None and entry.subject == "学校网络舆情信息平台"


def test_an_entry_names_someone(client, org):
    signed_in(client, org.p.clerk)
    response = create(client, org, person="", subject_name=" ")
    assert response.status_code == 400 and "请选择人员，或填写对象名称" in response.content.decode()
    assert not LedgerEntry.objects.exists()


def edit(client, org, entry, **more):
    return client.post(
        reverse("evaluation:ledger_edit", args=[entry.pk]), body(org, version=entry.version, **more)
    )


def test_an_edit_bumps_the_version_and_the_history_says_who_and_why(client, org):
    signed_in(client, org.p.clerk)
    create(client, org)
    entry = LedgerEntry.objects.get()
    form = client.get(reverse("evaluation:ledger_edit", args=[entry.pk])).content.decode()
    assert 'name="version" value="1"' in form and "对舆情处置不力予以问责" in form
    response = edit(client, org, entry, kind="discipline", reason="按党委决定改为纪律处分")
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.kind, entry.version) == ("discipline", 2)
    latest = entry.history.order_by("-history_id").first()
    assert (latest.history_user, latest.history_change_reason) == (org.p.clerk, "按党委决定改为纪律处分")


def test_a_stale_edit_is_refused_in_chinese_and_keeps_what_was_typed(client, org):
    signed_in(client, org.p.clerk)
    create(client, org)
    entry = LedgerEntry.objects.get()
    assert edit(client, org, entry, decided_by="校长办公会").status_code == 302
    response = edit(client, org, entry, decision="我在旧页面上写的决定")  # still version 1
    page = response.content.decode()
    assert response.status_code == 409
    assert "已被他人修改" in page and "我在旧页面上写的决定" in page
    entry.refresh_from_db()
    assert (entry.version, entry.decided_by, entry.decision) == (2, "校长办公会", "对舆情处置不力予以问责")


def test_a_double_submit_records_once(client, org):
    signed_in(client, org.p.clerk)
    data = body(org)
    first = client.post(reverse("evaluation:ledger_create"), data)
    second = client.post(reverse("evaluation:ledger_create"), data)
    assert first.status_code == 302 and second.status_code == 302
    assert LedgerEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", "promotion", "选择一个有效的选项"),
        ("person", "999999", "选择一个有效的选项"),
        ("person", "abc", "选择一个有效的选项"),
        ("department", "999999", "选择一个有效的选项"),
        ("decided_on", "去年", "输入一个有效的日期"),
        ("decided_on", "1900-01-01", "2000 年至 2099 年之间"),
        ("decided_on", "2099-01-01", "至今天"),
        ("incident_numbers", "ZG-1999-999", "未找到舆情编号：ZG-1999-999"),
        ("decision", "", "字段是必填项"),
        ("version", "x", "输入整数"),
    ],
)
def test_bad_input_is_refused_in_chinese_without_writing(client, org, field, value, message):
    signed_in(client, org.p.clerk)
    response = create(client, org, **{field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not LedgerEntry.objects.exists()


def test_a_huge_or_disguised_upload_is_refused(client, org, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    signed_in(client, org.p.clerk)
    huge = SimpleUploadedFile("决定.pdf", b"%PDF-1.4\n" + b"0" * 4096, content_type="application/pdf")
    response = create(client, org, files=huge)
    assert response.status_code == 400 and "超过" in response.content.decode()
    settings.EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
    fake = SimpleUploadedFile("决定.pdf", b"<script>alert(1)</script>", content_type="application/pdf")
    response = create(client, org, files=fake)
    assert response.status_code == 400 and "不是允许的类型" in response.content.decode()
    assert not LedgerEntry.objects.exists() and not LedgerAttachment.objects.exists()


def test_only_the_office_keeps_the_ledger(client, org):
    for user in (org.p.leader, org.p.top_leader, org.p.xsc_head, org.p.xsc_liaison, org.p.outsider):
        signed_in(client, user)
        response = create(client, org)
        assert response.status_code == 403, user
        assert "领导小组办公室" in response.content.decode()
    assert not LedgerEntry.objects.exists()


@pytest.fixture
def entry_with_scan(client, org):
    signed_in(client, org.p.clerk)
    create(client, org, files=png_upload("决定.png"))
    client.logout()
    return LedgerEntry.objects.get(), LedgerAttachment.objects.get()


@pytest.mark.parametrize(
    ("who", "answer"),
    [("clerk", 200), ("leader", 200), ("top_leader", 200), ("xsc_head", 200),  # his own department's entry
     ("rsc_head", 404), ("xsc_liaison", 404), ("xsc_leader", 404), ("approver", 404), ("outsider", 404)],
)  # fmt: skip
def test_the_entry_and_its_scan_are_shown_to_readers_and_hidden_from_anyone_else(
    client, org, entry_with_scan, who, answer
):
    entry, attachment = entry_with_scan
    signed_in(client, getattr(org.p, who))
    assert client.get(reverse("evaluation:ledger_detail", args=[entry.pk])).status_code == answer
    response = client.get(reverse("evaluation:attachment_download", args=[attachment.pk]))
    assert response.status_code == answer
    if answer == 200:
        content = b"".join(response.streaming_content)
        assert content == Path(attachment.file.path).read_bytes()
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"


def test_a_head_lists_only_his_own_departments_entries(client, org):
    signed_in(client, org.p.clerk)
    create(client, org, decision="学生处的问责")
    create(client, org, department=org.rsc.pk, person=org.p.rsc_head.pk, decision="人事处的问责")
    signed_in(client, org.p.xsc_head)
    page = client.get(reverse("evaluation:ledger")).content.decode()
    detail_links = re.findall(r"/evaluation/ledger/(\d+)/", page)
    assert [int(pk) for pk in detail_links] == [LedgerEntry.objects.get(department=org.xsc).pk]
    assert "登记</a>" not in page  # reads, does not keep


def test_the_list_filters_by_year_kind_and_department(client, org):
    signed_in(client, org.p.clerk)
    create(client, org, decided_on="2024-03-01", kind="reward")
    create(client, org, decided_on="2025-03-01", kind="reward")
    create(client, org, decided_on="2025-04-01", kind="criticism", department=org.rsc.pk)

    def shown(**query):
        response = client.get(reverse("evaluation:ledger"), query)
        return len(response.context["entries"])

    assert shown() == 3
    assert shown(year=2025) == 2
    assert shown(year=2025, kind="reward") == 1
    assert shown(department=org.rsc.pk) == 1
    assert client.get(reverse("evaluation:ledger"), {"year": "abc"}).status_code == 400


# --- the weights --------------------------------------------------------------------------------------------


def weights_body(**more):
    values = {name: "0" for name in ("base", "first_reports_late", "exchanges_missed", "filings_late",
              "statements_returned", "deadlines_overdue", "overdue_hours", "escalations", "nil_reports_missed", "commendations",
              "rewards", "criticisms", "accountabilities", "disciplines")}  # fmt: skip
    return {**values, **more}


def test_the_office_sets_weights_and_the_page_shows_a_score_column_only_then(client, org):
    signed_in(client, org.p.clerk)
    page = client.get(reverse("evaluation:index"), {"year": 2025}).content.decode()
    assert "得分" not in page.split("<table")[1]
    response = client.post(
        reverse("evaluation:weights") + "?year=2025", weights_body(base="100", filings_late="-3")
    )
    assert response.status_code == 302
    weights = EvaluationWeights.objects.get(year=2025)
    assert (weights.base, weights.filings_late, weights.version) == (100, -3, 1)
    assert weights.history.get().history_user == org.p.clerk
    page = client.get(reverse("evaluation:index"), {"year": 2025}).content.decode()
    assert '<th class="text-end">得分</th>' in page and "100.00" in page
    # a second form opened before this save is stale
    stale = client.post(reverse("evaluation:weights") + "?year=2025", weights_body(base="90"))
    assert stale.status_code == 400 and "已被他人修改" in stale.content.decode()
    again = client.post(reverse("evaluation:weights") + "?year=2025", weights_body(base="90", version="1"))
    assert again.status_code == 302 and EvaluationWeights.objects.get(year=2025).base == 90


@pytest.mark.parametrize("value", ["abc", "1e9", "1001", "NaN", "0.001"])
def test_a_weight_out_of_range_is_refused(client, org, value):
    signed_in(client, org.p.clerk)
    response = client.post(reverse("evaluation:weights") + "?year=2025", weights_body(base=value))
    assert response.status_code == 400
    assert not EvaluationWeights.objects.exists()


def test_only_the_office_sets_weights(client, org):
    for user in (org.p.leader, org.p.top_leader, org.p.xsc_head):
        signed_in(client, user)
        assert client.post(reverse("evaluation:weights"), weights_body(base="100")).status_code == 403
    assert not EvaluationWeights.objects.exists()


def test_the_year_defaults_to_the_current_beijing_year_and_a_bad_one_is_refused(client, org):
    signed_in(client, org.p.leader)
    response = client.get(reverse("evaluation:index"))
    assert response.status_code == 200
    assert (
        response.context["evaluation"].year
        == dt.datetime.now(dt.UTC).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).year
    )
    assert client.get(reverse("evaluation:index"), {"year": "1900"}).status_code == 400
    assert client.get(reverse("evaluation:index"), {"year": "二〇二五"}).status_code == 400


@pytest.mark.parametrize(
    "name", ["evaluation:ledger_detail", "evaluation:ledger_edit", "evaluation:attachment_download"]
)
def test_a_huge_or_missing_id_is_404(client, org, name):
    signed_in(client, org.p.clerk)
    for pk in (2**63, 2**31, 0):
        assert client.get(reverse(name, args=[pk])).status_code == 404


@pytest.mark.parametrize("field", ["decision", "decided_by", "subject_name", "incident_numbers", "token"])
def test_a_nul_byte_is_refused_by_the_form(client, org, field):
    signed_in(client, org.p.clerk)
    response = create(client, org, **{field: "a\x00b"})
    assert response.status_code == 400
    assert not LedgerEntry.objects.exists()
