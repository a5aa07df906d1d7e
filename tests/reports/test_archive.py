"""The work archive (工作档案, 第十四条): a dossier PDF drawn by a background job when the office archives an
incident, stored with its SHA-256, checked later; a period's dossiers exported as one ZIP.

The dossier is read back with pypdf as a reader would; the jobs are run as the worker runs them (claims,
progress, failures, a dead worker, a lost broker); every page and action is tried by each kind of user.
"""

import csv
import datetime as dt
import hashlib
import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from incidents import services as incident_services
from incidents.models import Incident, IncidentEvent, ReviewMeeting
from opinion_system.errors import DomainError, NotAllowed, TransitionNotAllowed
from reports import selectors, services, tasks
from reports.models import ArchiveExport, Dossier, JobStatus
from reports.pdf import FontMissing
from reports.pdf import dossier as dossier_pdf
from tests.factories import RICH, archived, filed, reviewed, rich_case

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", REPO / "test-artifacts")) / "pdf"


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def squeezed(text: str) -> str:
    """Text without whitespace: a table cell wraps long values (hashes, names) over several lines."""
    return re.sub(r"\s+", "", text)


def archive_now(org, incident, *, capture):
    with capture(execute=True):
        return incident_services.incident_archive(incident=incident, actor=org.p.clerk)


@pytest.fixture
def rich(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = rich_case(org)
    return incident


# --- the dossier's content --------------------------------------------------------------------------------


def test_archiving_draws_and_stores_the_dossier_with_its_sha256(org, rich):
    dossier = Dossier.objects.get(incident=rich)
    assert dossier.status == JobStatus.DONE and dossier.progress == 100
    data = default_storage.open(dossier.file.name).read()
    assert dossier.sha256 == hashlib.sha256(data).hexdigest()
    assert dossier.size == len(data)
    assert dossier.pages == len(PdfReader(io.BytesIO(data)).pages) >= 4
    assert dossier.data_sha256 == selectors.dossier_data(rich).digest
    assert dossier.file.name.startswith("archive/dossiers/") and rich.number in dossier.file.name
    assert dossier.requested_by == org.p.clerk and dossier.attempts == 1 and dossier.generation == 1


def test_the_dossier_holds_the_whole_record_as_text(org, rich):
    data = Dossier.objects.get(incident=rich).file.read()
    text = pdf_text(data)
    flat = squeezed(text)
    assert IncidentEvent.objects.filter(incident=rich).count() >= 30
    # Cover and the order of the parts.
    for label in ("自贡职业技术学院网络舆情工作档案", "一、案件概况", "三、处置记录", "四、等级调整", "五、互通信息",
                  "六、回复通稿及审定", "七、时限执行情况", "八、一级响应事项", "九、证据材料", "十、复盘会记录"):  # fmt: skip
        assert label in text, label
    positions = [
        text.index(h)
        for h in ("一、案件概况", "自贡职业技术学院网络舆情处置表", "三、处置记录", "十、复盘会记录")
    ]
    assert positions == sorted(positions)
    assert rich.number in text and RICH["title"] in flat
    # The 处置表 as printed: its labels, values and the ticked boxes (C, and B.二级舆情).
    for value in ("舆情处置小组人员名单", "报分管领导处置意见", RICH["opinion"], "抢修热水管道"):
        assert squeezed(value) in flat, value
    assert "C.学生学习生活类√" in flat and "B.二级舆情√" in flat and "A.三级舆情√" not in flat
    # Every event of the timeline, the level change with its reason, the daily reports.
    for event in IncidentEvent.objects.filter(incident=rich):
        assert squeezed(event.message) in flat, event.message
    assert squeezed(RICH["escalation"]) in flat and "三级舆情二级舆情" in flat
    assert "第11次互通" in flat
    # Both statement versions with the rejection and its comment, then the approval.
    for value in (
        RICH["statement_1"],
        RICH["statement_2"],
        RICH["rejection"],
        "退回：dzb_approver",
        "审定通过：dzb_approver",
    ):
        assert squeezed(value) in flat, value
    # Deadlines met and missed: the form went in 13 hours after the end.
    assert "逾期完成（晚1.0小时）" in flat and "按时完成" in flat and "未按时1项" in flat
    # Evidence with its SHA-256, and the review meeting.
    evidence = rich.evidence.get()
    assert evidence.original_name in flat and evidence.sha256 in flat
    assert squeezed(RICH["meeting"]) in flat and "行政楼302会议室" in flat
    # Page numbers run through the whole dossier, the form page included.
    pages = len(PdfReader(io.BytesIO(data)).pages)
    assert f"第 {pages} 页／共 {pages} 页" in text and f"第 2 页／共 {pages} 页" in text


def test_the_dossier_embeds_the_cjk_fonts(rich):
    reader = PdfReader(io.BytesIO(Dossier.objects.get(incident=rich).file.read()))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts") or [font]
            for d in descendants:
                descriptor = d.get_object().get("/FontDescriptor")
                if descriptor is not None:
                    descriptor = descriptor.get_object()
                    assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
                    fonts.add(str(descriptor["/FontName"]))
    assert any("NotoSerifCJK" in name.replace(" ", "").replace("-", "") for name in fonts), fonts


def test_the_form_page_of_the_dossier_is_the_printed_form_on_one_page(rich):
    reader = PdfReader(io.BytesIO(Dossier.objects.get(incident=rich).file.read()))
    page = reader.pages[1].extract_text()
    assert "自贡职业技术学院网络舆情处置表" in page and "（盖章）" in page
    assert "注：1.舆情处理结束后请将此表报党群工作部审核备案" in page
    assert "处置表校验码" in page
    assert "三、处置记录" not in page


def test_dossier_page_images_are_kept_as_artifacts(rich):
    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm, "pdftoppm (poppler-utils) is installed by scripts/setup.sh --test"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / "dossier.pdf"
    target.write_bytes(Dossier.objects.get(incident=rich).file.read())
    subprocess.run(  # noqa: S603 - fixed argv
        [pdftoppm, "-r", "60", "-png", str(target), str(ARTIFACTS / "dossier-page")], check=True, timeout=60
    )
    assert list(ARTIFACTS.glob("dossier-page-*.png"))


def test_text_in_the_dossier_is_escaped_and_urls_are_not_fetched(org, django_capture_on_commit_callbacks):
    incident = reviewed(org, filed(org))
    Incident.objects.filter(pk=incident.pk).update(title='<img src="file:///etc/passwd">标题')
    incident.sources.update(url="http://127.0.0.1:6379/")
    data = dossier_pdf.render(selectors.dossier_data(incident))
    flat = squeezed(pdf_text(data))
    assert '<imgsrc="file:///etc/passwd">标题' in flat and "http://127.0.0.1:6379/" in flat
    assert b"root:x:0:0" not in data


# --- later changes are detected ---------------------------------------------------------------------------


def test_a_changed_file_is_detected_refused_for_download_and_fixed_by_regenerating(org, rich, client):
    dossier = Dossier.objects.get(incident=rich)
    with default_storage.open(dossier.file.name, "wb") as handle:
        handle.write(b"%PDF-1.7 forged")
    dossier = services.dossier_verify(incident=rich, actor=org.p.clerk)
    assert dossier.verified_ok is False and "SHA-256" in dossier.verified_note
    client.force_login(org.p.xsc_liaison)
    response = client.get(reverse("reports:dossier_download", args=[rich.pk]))
    assert response.status_code == 409 and "不一致" in response.content.decode()
    old_name = dossier.file.name

    services.dossier_regenerate(incident=rich, actor=org.p.clerk)  # no commit hook in this test: run the job
    assert services.dossier_build(dossier_id=dossier.pk) == "done"
    dossier.refresh_from_db()
    assert dossier.generation == 2 and dossier.file.name != old_name
    assert dossier.verified_at is None  # a new file has not been checked yet
    assert services.dossier_verify(incident=rich, actor=org.p.clerk).verified_ok is True
    response = client.get(reverse("reports:dossier_download", args=[rich.pk]))
    assert response.status_code == 200
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == dossier.sha256


def test_a_missing_file_is_reported(org, rich):
    default_storage.delete(Dossier.objects.get(incident=rich).file.name)
    dossier = services.dossier_verify(incident=rich, actor=org.p.clerk)
    assert dossier.verified_ok is False and "缺失" in dossier.verified_note


def test_records_changed_after_archiving_are_detected(org, rich):
    assert services.dossier_verify(incident=rich, actor=org.p.clerk).verified_ok is True
    # Somebody edits the database behind the application's back.
    IncidentEvent.objects.filter(incident=rich, kind=IncidentEvent.Kind.ASSESSED).update(
        message="改过的研判记录"
    )
    dossier = services.dossier_verify(incident=rich, actor=org.p.clerk)
    assert dossier.verified_ok is False and "案件记录在档案生成后有变动" in dossier.verified_note


def test_the_archive_stays_read_only_and_the_dossier_needs_an_archived_incident(org, rich):
    # Only a later 复盘会 may still be added (第十四条, tests/reports/test_review.py); a waiver may not.
    with pytest.raises(TransitionNotAllowed):
        incident_services.review_waive(incident=rich, actor=org.p.clerk, reason="不再需要")
    incident = filed(org)
    with pytest.raises(DomainError, match="归档后"):
        services.dossier_regenerate(incident=incident, actor=org.p.clerk)


# --- review meetings (复盘) -------------------------------------------------------------------------------


def test_the_office_records_a_review_meeting_before_archiving(org):
    incident = filed(org)
    held = timezone.now()
    meeting = incident_services.review_meeting_record(
        incident=incident, actor=org.p.clerk, held_at=held, attendees="党群工作部、学生处", summary="总结"
    )
    assert ReviewMeeting.objects.get() == meeting and meeting.recorded_by == org.p.clerk
    assert incident.events.filter(kind=IncidentEvent.Kind.REVIEW_MEETING).exists()
    with pytest.raises(NotAllowed):
        incident_services.review_meeting_record(
            incident=incident, actor=org.p.xsc_liaison, held_at=held, attendees="甲", summary="乙"
        )
    with pytest.raises(DomainError, match="不能晚于当前时间"):
        incident_services.review_meeting_record(
            incident=incident,
            actor=org.p.clerk,
            held_at=timezone.now() + dt.timedelta(hours=2),
            attendees="甲",
            summary="乙",
        )
    with pytest.raises(DomainError, match="不能早于舆情上报时间"):
        incident_services.review_meeting_record(
            incident=incident,
            actor=org.p.clerk,
            held_at=incident.reported_at - dt.timedelta(hours=1),
            attendees="甲",
            summary="乙",
        )
    with pytest.raises(DomainError, match="请填写参会人员"):
        incident_services.review_meeting_record(
            incident=incident, actor=org.p.clerk, held_at=held, attendees=" ", summary="乙"
        )


# --- the job: claims, progress, failures ------------------------------------------------------------------


def test_archiving_queues_the_job_only_once_the_archive_is_committed(
    org, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(tasks.build_dossier, "delay", lambda pk: queued.append(pk))
    incident = reviewed(org, filed(org))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        incident_services.incident_archive(incident=incident, actor=org.p.clerk)
        assert queued == []  # never queued inside the open transaction
    dossier = Dossier.objects.get(incident=incident)
    assert dossier.status == JobStatus.PENDING and dossier.step == "排队等待生成"
    for callback in callbacks:
        callback()
    assert queued == [dossier.pk]


def test_a_second_delivery_of_the_same_job_does_nothing(org, rich):
    dossier = Dossier.objects.get(incident=rich)
    assert services.dossier_build(dossier_id=dossier.pk) == "not-claimed"
    assert Dossier.objects.get(pk=dossier.pk).generation == 1


def test_progress_is_written_to_the_row_as_the_job_goes(org, django_capture_on_commit_callbacks, monkeypatch):
    incident = reviewed(org, filed(org))
    with django_capture_on_commit_callbacks(execute=False):
        incident_services.incident_archive(incident=incident, actor=org.p.clerk)
    dossier = Dossier.objects.get(incident=incident)
    seen = []
    real_render = dossier_pdf.render

    def render(data, **kw):
        row = Dossier.objects.get(pk=dossier.pk)
        seen.append((row.status, row.progress, row.step))
        return real_render(data, **kw)

    monkeypatch.setattr(dossier_pdf, "render", render)
    assert services.dossier_build(dossier_id=dossier.pk) == "done"
    assert seen == [(JobStatus.RUNNING, 25, "排版档案（处置表、处置记录、通稿、时限、证据）")]
    dossier.refresh_from_db()
    assert (dossier.status, dossier.progress, dossier.claimed_until) == (JobStatus.DONE, 100, None)


def test_a_failing_job_is_retried_then_marked_failed_with_a_chinese_message(
    org, django_capture_on_commit_callbacks, monkeypatch
):
    incident = reviewed(org, filed(org))
    with django_capture_on_commit_callbacks(execute=False):
        incident_services.incident_archive(incident=incident, actor=org.p.clerk)
    dossier = Dossier.objects.get(incident=incident)

    def no_fonts(data, **kw):
        raise FontMissing("缺少中文字体 fonts-noto-cjk，无法生成处置表")

    monkeypatch.setattr(dossier_pdf, "render", no_fonts)
    assert services.dossier_build(dossier_id=dossier.pk) == "failed"
    dossier.refresh_from_db()
    assert dossier.status == JobStatus.PENDING and dossier.attempts == 1 and "fonts-noto-cjk" in dossier.error
    assert dossier.claimed_until > timezone.now()  # a pause before the next try
    # Nobody may take it during the pause; after it, the sweep queues it again.
    assert services.dossier_build(dossier_id=dossier.pk) == "not-claimed"
    for _ in range(services.MAX_ATTEMPTS - 1):
        Dossier.objects.filter(pk=dossier.pk).update(claimed_until=timezone.now() - dt.timedelta(seconds=1))
        assert services.dossier_build(dossier_id=dossier.pk) == "failed"
    dossier.refresh_from_db()
    assert dossier.status == JobStatus.FAILED and dossier.attempts == services.MAX_ATTEMPTS
    assert "缺少中文字体" in dossier.error and not dossier.file


def test_an_unexpected_error_is_not_shown_raw(org, django_capture_on_commit_callbacks, monkeypatch):
    incident = reviewed(org, filed(org))
    with django_capture_on_commit_callbacks(execute=False):
        incident_services.incident_archive(incident=incident, actor=org.p.clerk)
    dossier = Dossier.objects.get(incident=incident)
    monkeypatch.setattr(dossier_pdf, "render", lambda data, **kw: 1 / 0)
    assert services.dossier_build(dossier_id=dossier.pk) == "failed"
    dossier.refresh_from_db()
    assert dossier.error == services.GENERIC_FAILURE and "ZeroDivision" not in dossier.error


def test_the_sweep_queues_again_what_a_lost_broker_or_a_dead_worker_left(
    org, django_capture_on_commit_callbacks, monkeypatch
):
    incident = reviewed(org, filed(org))
    dead_broker = []

    def refuse(pk):
        dead_broker.append(pk)
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.build_dossier, "delay", refuse)
    archive_now(org, incident, capture=django_capture_on_commit_callbacks)  # the archive itself succeeds
    dossier = Dossier.objects.get(incident=incident)
    assert dossier.status == JobStatus.PENDING and dead_broker == [dossier.pk]
    monkeypatch.undo()

    # Within the grace period the sweep leaves a just-queued job alone.
    assert services.jobs_resume() == 0
    Dossier.objects.filter(pk=dossier.pk).update(queued_at=timezone.now() - services.REQUEUE_AFTER)
    assert services.jobs_resume() == 1  # eager in the tests: the job runs here
    dossier.refresh_from_db()
    assert dossier.status == JobStatus.DONE

    # A worker killed mid-job: running, its hold expired.
    other = reviewed(org, filed(org))
    with django_capture_on_commit_callbacks(execute=False):
        incident_services.incident_archive(incident=other, actor=org.p.clerk)
    second = Dossier.objects.get(incident=other)
    Dossier.objects.filter(pk=second.pk).update(
        status=JobStatus.RUNNING,
        attempts=1,
        claimed_until=timezone.now() - dt.timedelta(seconds=1),
        queued_at=timezone.now() - dt.timedelta(minutes=10),
    )
    assert services.jobs_resume() == 1
    second.refresh_from_db()
    assert second.status == JobStatus.DONE and second.attempts == 2
    # A job that killed its worker every time is given up, with a message.
    third_incident = reviewed(org, filed(org))
    with django_capture_on_commit_callbacks(execute=False):
        incident_services.incident_archive(incident=third_incident, actor=org.p.clerk)
    Dossier.objects.filter(incident=third_incident).update(
        status=JobStatus.RUNNING,
        attempts=services.MAX_ATTEMPTS,
        claimed_until=timezone.now() - dt.timedelta(seconds=1),
    )
    assert services.jobs_resume() == 0
    third = Dossier.objects.get(incident=third_incident)
    assert third.status == JobStatus.FAILED and "重新生成" in third.error


def test_a_worker_that_lost_its_claim_keeps_nothing(org, django_capture_on_commit_callbacks, monkeypatch):
    incident = reviewed(org, filed(org))
    with django_capture_on_commit_callbacks(execute=False):
        incident_services.incident_archive(incident=incident, actor=org.p.clerk)
    dossier = Dossier.objects.get(incident=incident)
    real_render, real_store = dossier_pdf.render, services._store
    stored = []

    def render_then_taken_over(data, **kw):
        # While this worker draws, another takes the job over (this one was thought dead).
        pdf = real_render(data, **kw)
        Dossier.objects.filter(pk=dossier.pk).update(claimed_until=timezone.now() + dt.timedelta(hours=1))
        return pdf

    monkeypatch.setattr(dossier_pdf, "render", render_then_taken_over)
    assert services.dossier_build(dossier_id=dossier.pk) == "lost-claim"  # noticed before storing anything
    dossier.refresh_from_db()
    assert dossier.status == JobStatus.RUNNING and not dossier.file

    # Taken over between storing the file and recording it: the file it stored is removed again.
    Dossier.objects.filter(pk=dossier.pk).update(claimed_until=timezone.now() - dt.timedelta(seconds=1))

    def store_then_taken_over(*args):
        name = real_store(*args)
        stored.append(name)
        Dossier.objects.filter(pk=dossier.pk).update(claimed_until=timezone.now() + dt.timedelta(hours=1))
        return name

    monkeypatch.setattr(dossier_pdf, "render", real_render)
    monkeypatch.setattr(services, "_store", store_then_taken_over)
    assert services.dossier_build(dossier_id=dossier.pk) == "lost-claim"
    assert len(stored) == 1 and not default_storage.exists(stored[0])
    dossier.refresh_from_db()
    assert dossier.status == JobStatus.RUNNING and not dossier.file


# --- pages and permissions --------------------------------------------------------------------------------


def test_the_card_shows_the_dossier_to_whoever_sees_the_incident(org, rich, client):
    url = reverse("reports:dossier_card", args=[rich.pk])
    client.force_login(org.p.xsc_liaison)
    page = client.get(url).content.decode()
    dossier = Dossier.objects.get(incident=rich)
    assert "下载工作档案" in page and dossier.sha256 in page
    assert "重新生成" not in page and "核验" not in page  # the office's buttons only
    client.force_login(org.p.clerk)
    page = client.get(url).content.decode()
    assert "重新生成" in page and 'id="dossier-verify"' in page
    # The incident page loads the card.
    detail = client.get(reverse("incidents:detail", args=[rich.pk])).content.decode()
    assert url in detail


@pytest.mark.parametrize("who", ["outsider", "rsc_liaison", "rsc_head", "rsc_leader"])
def test_other_departments_and_outsiders_get_404(org, rich, client, who):
    client.force_login(getattr(org.p, who))
    for name in ("dossier_card", "dossier_download"):
        assert client.get(reverse(f"reports:{name}", args=[rich.pk])).status_code == 404
    for name in ("dossier_generate", "dossier_verify"):
        assert client.post(reverse(f"reports:{name}", args=[rich.pk])).status_code == 404
    assert client.get(reverse("reports:dossier_card", args=[999999])).status_code == 404


@pytest.mark.parametrize("who", ["xsc_liaison", "xsc_head", "xsc_leader", "approver", "leader"])
def test_only_the_office_regenerates_or_verifies(org, rich, client, who):
    client.force_login(getattr(org.p, who))
    before = Dossier.objects.get(incident=rich)
    for name in ("dossier_generate", "dossier_verify"):
        response = client.post(reverse(f"reports:{name}", args=[rich.pk]), HTTP_HX_REQUEST="true")
        assert response.status_code in (403, 404)
    after = Dossier.objects.get(incident=rich)
    assert (after.generation, after.verified_at, after.file.name) == (
        before.generation,
        None,
        before.file.name,
    )


def test_anonymous_is_sent_to_login(rich, client):
    for url in (
        reverse("reports:dossier_card", args=[rich.pk]),
        reverse("reports:dossier_download", args=[rich.pk]),
        reverse("reports:archive"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_the_office_regenerates_and_verifies_from_the_card(
    org, rich, client, django_capture_on_commit_callbacks
):
    client.force_login(org.p.clerk)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("reports:dossier_generate", args=[rich.pk]), HTTP_HX_REQUEST="true")
    assert page.status_code == 200 and 'id="dossier-card"' in page.content.decode()
    assert Dossier.objects.get(incident=rich).generation == 2
    page = client.post(
        reverse("reports:dossier_verify", args=[rich.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "档案文件与登记的 SHA-256 一致" in page
    # Without htmx: back to the incident page.
    response = client.post(reverse("reports:dossier_verify", args=[rich.pk]))
    assert response.status_code == 302 and f"/incidents/{rich.pk}/" in response["Location"]


def test_a_running_job_polls_and_a_finished_one_stops(org, client, django_capture_on_commit_callbacks):
    incident = reviewed(org, filed(org))
    with django_capture_on_commit_callbacks(execute=False):
        incident_services.incident_archive(incident=incident, actor=org.p.clerk)
    client.force_login(org.p.clerk)
    url = reverse("reports:dossier_card", args=[incident.pk])
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page and "排队等待生成" in page and 'aria-valuenow="0"' in page
    services.dossier_build(dossier_id=Dossier.objects.get(incident=incident).pk)
    page = client.get(url).content.decode()
    assert "every 1s" not in page and "下载工作档案" in page


def test_csrf_is_required_for_the_archive_actions(org, rich):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(org.p.clerk)
    for name in ("dossier_generate", "dossier_verify"):
        assert (
            client.post(reverse(f"reports:{name}", args=[rich.pk]), HTTP_HX_REQUEST="true").status_code == 403
        )
    assert (
        client.post(reverse("reports:archive"), {"start": "2026-01-01", "end": "2026-12-31"}).status_code
        == 403
    )
    assert Dossier.objects.get(incident=rich).generation == 1 and not ArchiveExport.objects.exists()


# --- the period export ------------------------------------------------------------------------------------


def test_the_office_exports_a_period_as_one_zip(org, client, django_capture_on_commit_callbacks):
    first = archived(org)
    second = archived(org)
    old = archived(org)
    Incident.objects.filter(pk=old.pk).update(archived_at=timezone.now() - dt.timedelta(days=400))
    # `first` has no dossier yet (archived before the archive job existed): the export draws it.
    Dossier.objects.filter(incident=first).delete()
    client.force_login(org.p.clerk)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reports:archive"), {"start": f"{today - dt.timedelta(days=30)}", "end": f"{today}"}
        )
    assert response.status_code == 302
    export = ArchiveExport.objects.get()
    assert (export.status, export.total, export.done_count, export.progress) == (JobStatus.DONE, 2, 2, 100)
    download = client.get(reverse("reports:export_download", args=[export.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert "attachment" in download["Content-Disposition"]
    data = b"".join(download.streaming_content)
    assert hashlib.sha256(data).hexdigest() == export.sha256 == download["X-Content-SHA256"]
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert sorted(names) == sorted(
            [f"{first.number}-工作档案.pdf", f"{second.number}-工作档案.pdf", "清单.csv", "SHA256SUMS.txt"]
        )
        sums = dict(line.split("  ")[::-1] for line in archive.read("SHA256SUMS.txt").decode().splitlines())
        for incident in (first, second):
            pdf = archive.read(f"{incident.number}-工作档案.pdf")
            assert hashlib.sha256(pdf).hexdigest() == sums[f"{incident.number}-工作档案.pdf"]
            assert hashlib.sha256(pdf).hexdigest() == Dossier.objects.get(incident=incident).sha256
            assert incident.number in pdf_text(pdf)
        rows = list(csv.reader(io.StringIO(archive.read("清单.csv").decode("utf-8-sig"))))
        assert rows[0][:2] == ["舆情编号", "标题"] and {r[0] for r in rows[1:]} == {
            first.number,
            second.number,
        }
    page = client.get(reverse("reports:archive")).content.decode()
    assert "下载 ZIP" in page and export.sha256 in page


def test_export_input_errors_are_chinese_and_nothing_is_queued(org, client):
    client.force_login(org.p.clerk)
    url = reverse("reports:archive")
    cases = [
        ({"start": "2026-12-31", "end": "2026-01-01"}, "起始日期不能晚于截止日期"),
        ({"start": "昨天", "end": "2026-01-01"}, "起始日期格式不正确"),
        ({"start": "", "end": ""}, "请选择起始日期"),
        ({"start": "2000-01-01", "end": "2026-01-01"}, "不能超过 5 年"),
        ({"start": "2020-01-01", "end": "2020-12-31"}, "期间没有已归档的舆情"),
    ]
    for data, message in cases:
        response = client.post(url, data)
        assert response.status_code == 400 and message in response.content.decode(), message
        # What was typed stays in the form.
        if data["start"]:
            assert f'value="{data["start"]}"' in response.content.decode()
    assert not ArchiveExport.objects.exists()


def test_a_double_submitted_export_makes_one_job(org):
    incident = archived(org)
    day = timezone.localtime(incident.archived_at).date()
    first = services.export_request(actor=org.p.clerk, start=day, end=day)
    second = services.export_request(actor=org.p.clerk, start=day, end=day)
    assert first.pk == second.pk and ArchiveExport.objects.count() == 1


@pytest.mark.parametrize("who", ["xsc_liaison", "xsc_head", "leader", "top_leader", "approver", "outsider"])
def test_only_the_office_sees_the_archive_page_and_exports(org, client, who):
    incident = archived(org)
    day = timezone.localtime(incident.archived_at).date()
    export = services.export_request(actor=org.p.clerk, start=day, end=day)
    client.force_login(getattr(org.p, who))
    assert client.get(reverse("reports:archive")).status_code == 403
    assert client.post(reverse("reports:archive"), {"start": f"{day}", "end": f"{day}"}).status_code == 403
    assert client.get(reverse("reports:export_row", args=[export.pk])).status_code == 403
    assert client.get(reverse("reports:export_download", args=[export.pk])).status_code == 403
    assert ArchiveExport.objects.count() == 1
    with pytest.raises(NotAllowed):
        services.export_request(actor=getattr(org.p, who), start=day, end=day)


def test_the_archive_page_lists_what_needs_attention(org, client):
    ok = archived(org)  # no commit hook here: its dossier is still pending
    broken = archived(org)
    Dossier.objects.filter(incident=broken).update(status=JobStatus.FAILED, error="缺少中文字体")
    client.force_login(org.p.clerk)
    page = client.get(reverse("reports:archive")).content.decode()
    assert ok.number in page and broken.number in page and "生成失败" in page
    assert client.get(reverse("incidents:home")).content.decode().count(reverse("reports:archive")) == 1


def test_the_archive_page_runs_a_constant_number_of_queries(org, client, django_assert_max_num_queries):
    for _ in range(3):
        archived(org)
    client.force_login(org.p.clerk)
    client.get(reverse("reports:archive"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("reports:archive"))
    for _ in range(4):
        archived(org)
    incident = Incident.objects.filter(status="archived").first()
    day = timezone.localtime(incident.archived_at).date()
    services.export_request(actor=org.p.clerk, start=day, end=day)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("reports:archive"))


def test_the_export_form_offers_this_year_in_the_browser_date_format(org, client):
    client.force_login(org.p.clerk)
    page = client.get(reverse("reports:archive")).content.decode()
    today = timezone.localdate()
    # A type="date" input accepts only YYYY-MM-DD; a localised date would leave it empty and unsendable.
    assert f'value="{today.year}-01-01"' in page and f'value="{today:%Y-%m-%d}"' in page


def test_the_admin_shows_dossiers_exports_and_meetings_read_only(org, rich, client):
    client.force_login(org.p.root)
    dossier = Dossier.objects.get(incident=rich)
    for url in (
        reverse("admin:reports_dossier_changelist"),
        reverse("admin:reports_dossier_change", args=[dossier.pk]),
        reverse("admin:reports_archiveexport_changelist"),
        reverse("admin:incidents_reviewmeeting_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
    assert rich.number in client.get(reverse("admin:reports_dossier_changelist")).content.decode()
    assert (
        client.post(reverse("admin:reports_dossier_delete", args=[dossier.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert Dossier.objects.filter(pk=dossier.pk).exists()
