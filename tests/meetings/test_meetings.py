"""联席会议 (第四条) and the level-1 专题会议 (第十条): convened by the office, attended, minuted, its decisions shown
on the incident, its risks tracked to done."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from incidents.models import LevelOneDuty
from meetings import access, engine, services
from meetings.models import JointDecision, JointMeeting, RiskItem
from notifications.models import Notice
from opinion_system.errors import DomainError, NotAllowed
from reports import selectors as report_selectors
from tests.factories import assessed, png_upload

ZONE = timezone.get_default_timezone()


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ZONE)


def convene(org, *, incidents=(), attendees=None, held_at=None, **kw):
    p = org.p
    return services.meeting_convene(
        actor=p.clerk,
        title=kw.pop("title", "2026 年第 1 次网络舆情联席会议"),
        held_at=held_at or timezone.now() - dt.timedelta(hours=1),
        place=kw.pop("place", "行政楼 301 会议室"),
        attendees=attendees if attendees is not None else [p.leader, p.clerk, p.xsc_head],
        agenda=kw.pop("agenda", "研判近期舆情，排查风险隐患"),
        incidents=incidents,
        **kw,
    )


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- convening --------------------------------------------------------------------------------------------


def test_the_office_convenes_and_each_attendee_is_told(org):
    meeting = convene(org)
    assert meeting.status == JointMeeting.Status.CONVENED
    told = set(
        Notice.objects.filter(kind="meeting_convened", channel="in_app").values_list("recipient", flat=True)
    )
    assert told == {org.p.leader.pk, org.p.xsc_head.pk}  # the clerk acted: not told of it


def test_only_the_office_convenes(org):
    with pytest.raises(NotAllowed):
        services.meeting_convene(actor=org.p.leader, title="会", held_at=timezone.now(), place="会议室",
                                 attendees=[org.p.leader], agenda="议程")  # fmt: skip
    assert login(org.p.leader).get(reverse("meetings:convene")).status_code == 403


def test_a_meeting_needs_attendees(org):
    with pytest.raises(DomainError, match="参会人员"):
        convene(org, attendees=[])


def test_a_special_meeting_is_for_a_level_one_incident(org):
    level2 = assessed(org, level=2)
    with pytest.raises(DomainError, match="只为一级舆情"):
        convene(org, kind=JointMeeting.Kind.SPECIAL, special_incident=level2)


def test_a_bad_attachment_is_refused_and_nothing_is_stored(org):
    fake = SimpleUploadedFile("纪要.pdf", b"%PDF-1.4 not really", content_type="application/pdf")
    with pytest.raises(DomainError, match="不是有效的 PDF"):
        convene(org, uploads=[fake])
    assert not JointMeeting.objects.exists()


# --- who sees what ------------------------------------------------------------------------------------------


def test_office_and_leaders_see_every_meeting_an_attendee_their_own_others_404(org):
    meeting = convene(org, attendees=[org.p.xsc_head])
    url = reverse("meetings:detail", args=[meeting.pk])
    for person in (org.p.clerk, org.p.leader, org.p.top_leader, org.p.xsc_head):
        assert login(person).get(url).status_code == 200, person
    for person in (org.p.rsc_head, org.p.xsc_liaison, org.p.approver, org.p.outsider):
        assert login(person).get(url).status_code == 404, person
    pdf = reverse("reports:meeting_minutes_pdf", args=[meeting.pk])
    assert login(org.p.rsc_head).get(pdf).status_code == 404


def test_an_attendee_may_not_record_the_minutes(org):
    meeting = convene(org)
    assert login(org.p.leader).get(reverse("meetings:minutes", args=[meeting.pk])).status_code == 403
    with pytest.raises(NotAllowed):
        services.meeting_record_minutes(actor=org.p.leader, meeting=meeting, minutes="纪要")


def test_an_attendee_sees_only_the_incidents_they_may_see(org):
    theirs, other = assessed(org, level=2), assessed(org, level=2, department=org.rsc)
    meeting = convene(org, incidents=[theirs, other], attendees=[org.p.xsc_head])
    services.meeting_record_minutes(
        actor=org.p.clerk, meeting=meeting, minutes="纪要",
        decisions=[services.DecisionInput(incident=theirs, decision="学生处牵头回应"),
                   services.DecisionInput(incident=other, decision="人事处核查")],
    )  # fmt: skip
    page = login(org.p.xsc_head).get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert theirs.number in page and "学生处牵头回应" in page
    assert other.number not in page and "人事处核查" not in page
    assert "另有 1 起舆情" in page


def test_attachments_download_only_for_who_sees_the_meeting(org):
    meeting = convene(org, attendees=[org.p.xsc_head], uploads=[png_upload("会议材料.png")])
    url = reverse("meetings:attachment_download", args=[meeting.attachments.get().pk])
    response = login(org.p.xsc_head).get(url)
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert login(org.p.rsc_head).get(url).status_code == 404


# --- minutes and decisions ------------------------------------------------------------------------------------


def test_minutes_with_a_decision_show_on_the_incident_page_and_in_its_dossier(org):
    incident = assessed(org, level=2)
    meeting = convene(org, incidents=[incident])
    services.meeting_record_minutes(
        actor=org.p.clerk, meeting=meeting, minutes="会议研判了食堂舆情。",
        decisions=[services.DecisionInput(incident=incident, decision="定为二级，学生处牵头", plan="当日发布说明")],
    )  # fmt: skip
    meeting.refresh_from_db()
    assert meeting.status == JointMeeting.Status.HELD
    page = login(org.p.xsc_liaison).get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "联席会议研判与处置方案" in page and "定为二级，学生处牵头" in page and "当日发布说明" in page
    data = report_selectors.dossier_data(incident)
    assert ("研判意见与决定", "定为二级，学生处牵头") in data.joint_decisions[0]


def test_a_dossier_without_decisions_keeps_its_earlier_digest(org):
    incident = assessed(org, level=2)
    data = report_selectors.dossier_data(incident)
    assert b"joint_decisions" not in data.payload()


def test_a_decision_only_for_an_incident_the_meeting_discussed(org):
    discussed, elsewhere = assessed(org, level=2), assessed(org, level=3)
    meeting = convene(org, incidents=[discussed])
    with pytest.raises(DomainError, match="不在本次会议研究的舆情之中"):
        services.meeting_record_minutes(actor=org.p.clerk, meeting=meeting, minutes="纪要",
                                        decisions=[services.DecisionInput(incident=elsewhere, decision="x")])  # fmt: skip
    assert not JointDecision.objects.exists()


def test_minutes_are_recorded_once_and_only_after_the_meeting(org):
    later = convene(org, held_at=timezone.now() + dt.timedelta(days=1))
    with pytest.raises(DomainError, match="召开后才能登记纪要"):
        services.meeting_record_minutes(actor=org.p.clerk, meeting=later, minutes="纪要")
    meeting = convene(org)
    services.meeting_record_minutes(actor=org.p.clerk, meeting=meeting, minutes="纪要")
    with pytest.raises(DomainError, match="已登记"):
        services.meeting_record_minutes(actor=org.p.clerk, meeting=meeting, minutes="再次")


def test_a_special_meeting_held_records_the_level_one_duty(org):
    """第十条 一级: 召开专题会议 is done when its minutes are recorded."""
    incident = assessed(org, level=1, category="A")
    duty = LevelOneDuty.objects.get(incident=incident, kind=LevelOneDuty.Kind.SPECIAL_MEETING)
    assert duty.done_at is None
    meeting = convene(
        org, kind=JointMeeting.Kind.SPECIAL, special_incident=incident, title="一级舆情专题会议"
    )
    assert list(meeting.incidents.all()) == [incident]
    services.meeting_record_minutes(actor=org.p.clerk, meeting=meeting, minutes="专题研究处置方案")
    duty.refresh_from_db()
    assert duty.done_at == meeting.held_at and duty.recorded_by == org.p.clerk
    assert "leader" in duty.recipient


def test_the_minutes_form_records_decisions_and_risks(org):
    incident = assessed(org, level=2)
    meeting = convene(org, incidents=[incident])
    due = timezone.localdate() + dt.timedelta(days=7)
    body = {
        "minutes": "会议纪要正文", "version": meeting.version, "token": "t1",
        "decisions-TOTAL_FORMS": 1, "decisions-INITIAL_FORMS": 1,
        "decisions-0-incident": incident.pk, "decisions-0-decision": "表单中的决定", "decisions-0-plan": "方案",
        "risks-TOTAL_FORMS": 2, "risks-INITIAL_FORMS": 0,
        "risks-0-description": "排查宿舍区网络舆情隐患", "risks-0-owner": org.p.xsc_head.pk,
        "risks-0-due_on": due.isoformat(),
    }  # fmt: skip
    response = login(org.p.clerk).post(reverse("meetings:minutes", args=[meeting.pk]), body)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert JointDecision.objects.get().decision == "表单中的决定"
    assert RiskItem.objects.get().owner == org.p.xsc_head


def test_a_half_filled_risk_row_is_refused_in_chinese(org):
    meeting = convene(org)
    body = {"minutes": "纪要", "version": meeting.version, "decisions-TOTAL_FORMS": 0, "decisions-INITIAL_FORMS": 0,
            "risks-TOTAL_FORMS": 1, "risks-INITIAL_FORMS": 0, "risks-0-description": "只有描述"}  # fmt: skip
    response = login(org.p.clerk).post(reverse("meetings:minutes", args=[meeting.pk]), body)
    assert response.status_code == 400 and "请把这一项排查事项填写完整" in response.content.decode()


# --- risk items and their notices ------------------------------------------------------------------------------


def risk(org, *, due_on, owner=None):
    meeting = convene(org)
    services.meeting_record_minutes(
        actor=org.p.clerk, meeting=meeting, minutes="纪要",
        risks=[services.RiskInput(description="排查校园贷相关舆情隐患", owner=owner or org.p.xsc_head, due_on=due_on)],
    )  # fmt: skip
    return RiskItem.objects.get(meeting=meeting)


def kinds(item) -> list[tuple[str, int]]:
    return sorted(
        Notice.objects.filter(dedupe_key__startswith=f"risk:{item.pk}:", channel="in_app").values_list(
            "kind", "recipient"
        )
    )


@pytest.mark.django_db
def test_a_risk_item_is_reminded_then_overdue_then_escalated_each_once(org, settings):
    settings.RISK_ITEM_REMINDER_MINUTES = 24 * 60
    settings.RISK_ITEM_ESCALATE_AFTER_MINUTES = 24 * 60
    p = org.p
    with time_machine.travel(at(2026, 3, 2, 9, 0), tick=False):
        item = risk(org, due_on=dt.date(2026, 3, 5))
        assert item.next_notice_at == at(2026, 3, 5, 0, 0)  # a day before the end of the 5th
        assert engine.sweep() == (0, 0)
    with time_machine.travel(at(2026, 3, 5, 8, 0), tick=False):
        engine.sweep()
        engine.sweep()  # a second sweep writes nothing again
    assert [k for k, _ in kinds(item)].count("risk_reminder") == 1
    assert ("risk_reminder", p.xsc_head.pk) in kinds(item)
    with time_machine.travel(at(2026, 3, 6, 0, 1), tick=False):
        engine.sweep()
        engine.sweep()
    overdue = {r for k, r in kinds(item) if k == "risk_overdue"}
    assert overdue == {p.xsc_head.pk, p.clerk.pk}
    with time_machine.travel(at(2026, 3, 6, 23, 0), tick=False):
        assert engine.sweep()[1] == 0  # not yet a day overdue
    with time_machine.travel(at(2026, 3, 7, 0, 5), tick=False):
        engine.sweep()
        engine.sweep()
    escalated = {r for k, r in kinds(item) if k == "risk_escalation"}
    assert escalated == {p.clerk.pk, p.leader.pk}
    item.refresh_from_db()
    assert item.escalated_at is not None and item.next_notice_at is None
    with time_machine.travel(at(2026, 3, 20, 0, 0), tick=False):
        assert engine.sweep() == (0, 0)


def test_a_stage_is_claimed_by_one_sweep_only(org):
    item = risk(org, due_on=timezone.localdate())
    now = timezone.now()
    assert engine.claim(item, "reminder", now, item.due_at) is True
    assert engine.claim(item, "reminder", now, item.due_at) is False


def test_a_done_item_gets_no_further_notice(org):
    item = risk(org, due_on=timezone.localdate())
    services.risk_item_done(actor=org.p.xsc_head, item=item, note="已排查，未发现隐患")
    item.refresh_from_db()
    assert item.done_by == org.p.xsc_head and item.next_notice_at is None
    with time_machine.travel(timezone.now() + dt.timedelta(days=5), tick=False):
        assert engine.sweep() == (0, 0)
        assert engine.claim(item, "overdue", timezone.now(), None) is False


def test_only_the_owner_marks_a_risk_item_done(org):
    item = risk(org, due_on=timezone.localdate() + dt.timedelta(days=3))
    url = reverse("meetings:risk_done", args=[item.pk])
    assert login(org.p.clerk).post(url, {"note": "代为办结"}).status_code == 403
    assert login(org.p.rsc_head).post(url, {"note": "x"}).status_code == 404
    response = login(org.p.xsc_head).post(url, {"note": "已排查"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.done_note == "已排查"


def test_my_risk_items_page_and_the_offices_view_of_all_open_items(org):
    risk(org, due_on=timezone.localdate() + dt.timedelta(days=3))
    assert "排查校园贷相关舆情隐患" in login(org.p.xsc_head).get(reverse("meetings:risks")).content.decode()
    office = login(org.p.clerk).get(reverse("meetings:risks")).content.decode()
    assert "全部未办结事项" in office and "排查校园贷相关舆情隐患" in office
    assert (
        "排查校园贷相关舆情隐患" not in login(org.p.rsc_head).get(reverse("meetings:risks")).content.decode()
    )


def test_the_sweep_command_runs(org, capsys):
    from django.core.management import call_command

    call_command("sweep_risk_items")
    assert "检查完成" in capsys.readouterr().out


# --- the list, the navigation, the PDF -------------------------------------------------------------------------


def test_the_list_runs_a_fixed_number_of_queries(org, django_assert_num_queries):
    client = login(org.p.clerk)
    client.get(reverse("meetings:list"))
    for n in range(3):
        meeting = convene(org, incidents=[assessed(org, level=2)])
        services.meeting_record_minutes(actor=org.p.clerk, meeting=meeting, minutes="纪要",
            risks=[services.RiskInput(description=f"隐患{n}", owner=org.p.xsc_head,
                                      due_on=timezone.localdate())])  # fmt: skip
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(reverse("meetings:list"))
    assert response.content.decode().count("纪要") == 0 and response.status_code == 200


LIST_QUERIES = 8


def test_the_navigation_shows_meetings_to_office_and_leaders(org):
    url = reverse("meetings:list")
    assert f'href="{url}"' in login(org.p.clerk).get(reverse("incidents:home")).content.decode()
    assert f'href="{url}"' in login(org.p.leader).get(reverse("incidents:home")).content.decode()
    assert f'href="{url}"' not in login(org.p.xsc_head).get(reverse("incidents:home")).content.decode()


def test_the_minutes_pdf_reads_back(org):
    incident = assessed(org, level=2)
    meeting = convene(
        org, incidents=[incident], held_at=at(2026, 3, 2, 15, 30), title="第三次网络舆情联席会议"
    )
    with time_machine.travel(at(2026, 3, 2, 18, 0), tick=False):
        services.meeting_record_minutes(
            actor=org.p.clerk, meeting=meeting, minutes="会议认为舆情总体可控。",
            decisions=[services.DecisionInput(incident=incident, decision="学生处当日回应", plan="发布情况说明")],
        )  # fmt: skip
    response = login(org.p.leader).get(reverse("reports:meeting_minutes_pdf", args=[meeting.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in ("第三次网络舆情联席会议", "2026年03月02日 15:30", org.p.leader.display_name,
                     org.p.xsc_head.display_name, incident.number, "学生处当日回应", "发布情况说明"):  # fmt: skip
        assert expected in text, expected


def test_access_rules_in_one_place(org):
    assert access.may_convene(org.p.clerk) and not access.may_convene(org.p.leader)
    assert access.may_see_menu(org.p.leader) and not access.may_see_menu(org.p.xsc_head)


def test_the_owner_gets_a_done_form_on_both_pages(org):
    item = risk(org, due_on=timezone.localdate() + dt.timedelta(days=3))
    client = login(org.p.xsc_head)
    for url in (reverse("meetings:risks"), reverse("meetings:detail", args=[item.meeting_id])):
        page = client.get(url).content.decode()
        assert f'id="done{item.pk}-note"' in page and 'name="back"' in page, url


# --- calling a meeting off --------------------------------------------------------------------------------


def test_the_office_cancels_a_meeting_with_its_reason_and_each_attendee_is_told(org):
    meeting = convene(org, held_at=timezone.now() + dt.timedelta(days=1))
    response = login(org.p.clerk).post(
        reverse("meetings:cancel", args=[meeting.pk]),
        {"reason": "领导外出，改期另行通知", "version": meeting.version},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == JointMeeting.Status.CANCELLED and meeting.cancelled_by == org.p.clerk
    assert meeting.cancel_reason == "领导外出，改期另行通知"
    told = set(
        Notice.objects.filter(kind="meeting_cancelled", channel="in_app").values_list("recipient", flat=True)
    )
    assert told == {org.p.leader.pk, org.p.xsc_head.pk}  # the clerk acted: not told of it
    page = login(org.p.leader).get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "已取消" in page and "领导外出，改期另行通知" in page


def test_a_cancelled_meeting_takes_no_minutes_and_a_held_one_cannot_be_cancelled(org):
    meeting = convene(org)
    with pytest.raises(DomainError, match="取消理由"):
        services.meeting_cancel(actor=org.p.clerk, meeting=meeting, reason="  ")
    services.meeting_cancel(actor=org.p.clerk, meeting=meeting, reason="议题已在党委会研究")
    with pytest.raises(DomainError, match="已取消"):
        services.meeting_record_minutes(actor=org.p.clerk, meeting=meeting, minutes="纪要")
    held = convene(org)
    services.meeting_record_minutes(actor=org.p.clerk, meeting=held, minutes="纪要")
    with pytest.raises(DomainError, match="不能取消"):
        services.meeting_cancel(actor=org.p.clerk, meeting=held, reason="误召集")


def test_only_the_office_cancels_and_a_stale_page_does_not(org):
    meeting = convene(org, held_at=timezone.now() + dt.timedelta(days=1))
    with pytest.raises(NotAllowed):
        services.meeting_cancel(actor=org.p.leader, meeting=meeting, reason="不开了")
    assert (
        login(org.p.leader)
        .post(reverse("meetings:cancel", args=[meeting.pk]), {"reason": "不开了"})
        .status_code
        == 403
    )
    assert (
        login(org.p.outsider).post(reverse("meetings:cancel", args=[meeting.pk]), {"reason": "x"}).status_code
        == 404
    )
    login(org.p.clerk).post(reverse("meetings:cancel", args=[meeting.pk]), {"reason": "改期", "version": 99})
    meeting.refresh_from_db()
    assert meeting.status == JointMeeting.Status.CONVENED
