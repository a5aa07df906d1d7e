"""第十四条: archiving needs a 复盘会 or the office's waiver with a reason; a 复盘会 held after archiving is added
to the archive (the dossier is drawn again, the earlier file kept with its hash); the 案例库 of archived cases
with their review conclusions."""

import hashlib
import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from incidents import services as incident_services
from incidents.models import Incident, IncidentEvent, ReviewWaiver, Status
from opinion_system.errors import DomainError, NotAllowed
from reports import services
from reports.models import Dossier, DossierVersion
from tests.factories import archived, filed, reviewed

WAIVER = "个案已妥善处理，涉事学生已回应，无普遍性问题"


def pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace(" ", "")


def file_bytes(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


# --- archiving needs a 复盘 or a waiver ---------------------------------------------------------------------


def test_archiving_without_a_review_meeting_or_waiver_is_refused_in_chinese(org):
    incident = filed(org)
    with pytest.raises(DomainError, match="归档前须召开复盘会") as refused:
        incident_services.incident_archive(incident=incident, actor=org.p.clerk)
    assert "第十四条" in refused.value.message
    assert Incident.objects.get(pk=incident.pk).status == Status.FILED


def test_a_recorded_review_meeting_lets_the_case_be_archived(org):
    incident = reviewed(org, filed(org))
    assert incident_services.incident_archive(incident=incident, actor=org.p.clerk).status == Status.ARCHIVED


def test_the_office_waives_the_review_with_a_reason_and_may_then_archive(org):
    incident = filed(org)
    with pytest.raises(DomainError, match="请填写免于复盘的理由"):
        incident_services.review_waive(incident=incident, actor=org.p.clerk, reason="  ")
    for person in (org.p.xsc_head, org.p.xsc_liaison, org.p.leader):
        with pytest.raises(NotAllowed):
            incident_services.review_waive(incident=incident, actor=person, reason=WAIVER)
    waiver = incident_services.review_waive(incident=incident, actor=org.p.clerk, reason=WAIVER)
    assert waiver.waived_by == org.p.clerk and waiver.reason == WAIVER
    line = incident.events.get(kind=IncidentEvent.Kind.REVIEW_WAIVED)
    assert line.reason == WAIVER and line.actor == org.p.clerk
    with pytest.raises(DomainError, match="已登记免于复盘"):
        incident_services.review_waive(incident=incident, actor=org.p.clerk, reason=WAIVER)
    assert incident_services.incident_archive(incident=incident, actor=org.p.clerk).status == Status.ARCHIVED


def test_a_waiver_is_not_taken_once_a_meeting_is_recorded(org):
    incident = reviewed(org, filed(org))
    with pytest.raises(DomainError, match="已记录复盘会"):
        incident_services.review_waive(incident=incident, actor=org.p.clerk, reason=WAIVER)
    assert not ReviewWaiver.objects.exists()


def test_the_page_says_what_is_missing_before_the_archive_click(org, client):
    incident = filed(org)
    client.force_login(org.p.clerk)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert 'id="no-review-meeting"' in page and "尚不能归档" in page and "登记免于复盘" in page
    refused = client.post(
        reverse("incidents:action", args=[incident.pk, "archive"]),
        {"version": incident.version, "token": "t1"},
    )
    assert refused.status_code == 400 and "归档前须召开复盘会" in refused.content.decode()
    done = client.post(
        reverse("incidents:action", args=[incident.pk, "waive_review"]),
        {"version": incident.version, "token": "t2", "reason": WAIVER},
    )
    assert done.status_code == 302
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert 'id="review-waiver"' in page and WAIVER in page and "尚不能归档" not in page
    assert 'data-action="waive_review"' not in page  # once is enough


def test_a_waiver_is_printed_in_the_dossier(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = archived(org, waive=True)
    dossier = Dossier.objects.get(incident=incident)
    assert dossier.status == "done"
    text = pdf_text(file_bytes(dossier.file.name))
    assert "免于复盘" in text and "个案已妥善处理，无普遍性问题" in text  # tests.factories.reviewed


# --- a 复盘会 after archiving: an addendum, the dossier drawn again, the old file kept -------------------------


def test_a_review_meeting_added_after_archiving_redraws_the_dossier_and_keeps_the_older_file(
    org, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = archived(org, waive=True)
    first = Dossier.objects.get(incident=incident)
    first_name, first_sha = first.file.name, first.sha256

    with django_capture_on_commit_callbacks(execute=True):
        incident_services.review_meeting_record(
            incident=incident,
            actor=org.p.clerk,
            held_at=timezone.now().replace(second=0, microsecond=0),
            attendees="党群工作部、学生处",
            summary="事后复盘：价格调整前应先公示",
            improvements="调价提前一周公示",
        )
    dossier = Dossier.objects.get(pk=first.pk)
    assert dossier.status == "done" and dossier.generation == 2
    assert dossier.file.name != first_name and dossier.sha256 != first_sha
    kept = DossierVersion.objects.get(dossier=dossier)
    assert (kept.generation, kept.file.name, kept.sha256) == (1, first_name, first_sha)
    # Both files exist, each matches its own recorded hash, and the new one holds the addendum.
    assert hashlib.sha256(file_bytes(first_name)).hexdigest() == first_sha
    assert hashlib.sha256(file_bytes(dossier.file.name)).hexdigest() == dossier.sha256
    assert "价格调整前应先公示" in pdf_text(file_bytes(dossier.file.name))
    assert "价格调整前应先公示" not in pdf_text(file_bytes(first_name))
    checked = services.dossier_verify(incident=incident, actor=org.p.clerk)
    kept.refresh_from_db()
    assert checked.verified_ok is True and kept.verified_ok is True
    line = incident.events.filter(kind=IncidentEvent.Kind.REVIEW_MEETING).get()
    assert "归档后补记" in line.message
    assert Incident.objects.get(pk=incident.pk).status == Status.ARCHIVED


def test_a_changed_earlier_file_is_detected_and_refused(org, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = archived(org)
    with django_capture_on_commit_callbacks(execute=True):
        reviewed(org, incident)  # a second meeting, after archiving
    kept = DossierVersion.objects.get()
    client.force_login(org.p.xsc_liaison)
    url = reverse("reports:dossier_version_download", args=[incident.pk, kept.pk])
    response = client.get(url)
    assert response.status_code == 200 and response["X-Content-SHA256"] == kept.sha256
    with default_storage.open(kept.file.name, "wb") as handle:
        handle.write(b"%PDF-1.7 forged")
    assert client.get(url).status_code == 409
    services.dossier_verify(incident=incident, actor=org.p.clerk)
    kept.refresh_from_db()
    assert kept.verified_ok is False and "不一致" in kept.verified_note


def test_the_dossier_card_lists_the_versions_to_whoever_sees_the_incident(
    org, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = archived(org)
    with django_capture_on_commit_callbacks(execute=True):
        reviewed(org, incident)
    kept = DossierVersion.objects.get()
    client.force_login(org.p.xsc_head)
    card = client.get(reverse("reports:dossier_card", args=[incident.pk])).content.decode()
    assert 'id="dossier-versions"' in card and kept.sha256 in card and "第 1 版" in card
    client.force_login(org.p.rsc_liaison)
    assert (
        client.get(reverse("reports:dossier_version_download", args=[incident.pk, kept.pk])).status_code
        == 404
    )


def test_only_the_office_adds_a_review_meeting_after_archiving(org):
    incident = archived(org)
    for person in (org.p.xsc_head, org.p.xsc_liaison, org.p.leader):
        with pytest.raises(NotAllowed):
            incident_services.review_meeting_record(
                incident=incident, actor=person, held_at=timezone.now(), attendees="甲", summary="乙"
            )


# --- 案例库 -----------------------------------------------------------------------------------------------


def _case(org, title: str, *, level: int = 3, category: str = "C", summary: str = "", department=None):
    incident = filed(org, level=level, category=category)
    Incident.objects.filter(pk=incident.pk).update(title=title)
    if department is not None:  # another department's case, reported by its own liaison
        Incident.objects.filter(pk=incident.pk).update(
            responsible_department=department, reporting_department=department, reporter=org.p.rsc_liaison
        )
    incident = Incident.objects.get(pk=incident.pk)
    if summary:
        incident_services.review_meeting_record(
            incident=incident,
            actor=org.p.clerk,
            held_at=timezone.now(),
            attendees="党群工作部",
            summary=summary,
        )
    else:
        incident_services.review_waive(incident=incident, actor=org.p.clerk, reason=WAIVER)
    return incident_services.incident_archive(incident=incident, actor=org.p.clerk)


@pytest.fixture
def library(org):
    return {
        "canteen": _case(org, "食堂涨价", summary="价格调整前应先公示"),
        "exam": _case(org, "考试安排争议", level=2, category="B", summary="教务通知须提前发布"),
        "waived": _case(org, "宿舍噪音"),
        "other": _case(org, "人事招聘传言", summary="招聘信息统一发布", department=org.rsc),
        "open": filed(org),  # not archived: never in the library
    }


def listed(client, **query) -> str:
    response = client.get(reverse("reports:cases"), query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_case_library_lists_archived_cases_with_their_conclusions(org, client, library):
    client.force_login(org.p.clerk)
    page = listed(client)
    for key in ("canteen", "exam", "waived", "other"):
        assert f'data-incident="{library[key].pk}"' in page
    assert f'data-incident="{library["open"].pk}"' not in page
    assert "价格调整前应先公示" in page and WAIVER in page


def test_the_case_library_searches_titles_and_conclusions_and_filters(org, client, library):
    client.force_login(org.p.leader)
    page = listed(client, q="公示")  # in a conclusion only
    assert f'data-incident="{library["canteen"].pk}"' in page
    assert f'data-incident="{library["exam"].pk}"' not in page
    page = listed(client, q="考试")  # in a title
    assert (
        f'data-incident="{library["exam"].pk}"' in page
        and f'data-incident="{library["canteen"].pk}"' not in page
    )
    page = listed(client, category="B")
    assert (
        f'data-incident="{library["exam"].pk}"' in page
        and f'data-incident="{library["canteen"].pk}"' not in page
    )
    page = listed(client, level="2")
    assert (
        f'data-incident="{library["exam"].pk}"' in page
        and f'data-incident="{library["waived"].pk}"' not in page
    )
    assert "共 0 件" in listed(client, q="不存在的词")


def test_department_people_see_their_own_departments_cases(org, client, library):
    client.force_login(org.p.xsc_liaison)
    page = listed(client)
    assert f'data-incident="{library["canteen"].pk}"' in page
    assert f'data-incident="{library["other"].pk}"' not in page
    client.force_login(org.p.rsc_head)
    page = listed(client)
    assert f'data-incident="{library["other"].pk}"' in page
    assert f'data-incident="{library["canteen"].pk}"' not in page


def test_a_supervising_leader_sees_the_cases_of_the_departments_they_supervise(org, client, library):
    client.force_login(org.p.xsc_leader)
    page = listed(client)
    assert f'data-incident="{library["canteen"].pk}"' in page
    assert f'data-incident="{library["other"].pk}"' not in page  # 人事处's: not theirs, as everywhere else


@pytest.mark.parametrize("who", ["clerk", "leader", "top_leader"])
def test_the_office_and_the_leaders_see_every_case(org, client, library, who):
    client.force_login(getattr(org.p, who))
    page = listed(client)
    assert (
        f'data-incident="{library["canteen"].pk}"' in page
        and f'data-incident="{library["other"].pk}"' in page
    )
    assert 'href="/reports/cases/"' in page  # in the navigation


@pytest.mark.parametrize("who", ["xsc_staff", "approver", "sysadmin"])
def test_others_are_refused_the_case_library(org, client, who):
    client.force_login(getattr(org.p, who))
    assert client.get(reverse("reports:cases")).status_code == 403
    assert 'href="/reports/cases/"' not in client.get(reverse("incidents:home")).content.decode()


def test_the_case_library_runs_a_constant_number_of_queries(org, client, django_assert_num_queries):
    client.force_login(org.p.clerk)
    _case(org, "第一件", summary="结论一")
    client.get(reverse("reports:cases"))  # warm the per-process caches (navigation)
    with django_assert_num_queries(CASES_QUERIES):
        listed(client)
    for n in range(4):
        _case(org, f"第{n}件", summary=f"结论{n}")
    with django_assert_num_queries(CASES_QUERIES):
        listed(client, q="结论")


CASES_QUERIES = 10  # session, roles, rights, the navigation (4), count, rows, meetings
