"""一级响应 that holds (第九条、第十条): each duty has a deadline with reminder → overdue → 督办, recording it meets
it, lowering the level makes it moot; the disposal ends only with every duty done or waived by the office; reports
upward (续报 too) and the contacts with media and departments are recorded; level-1 progress reaches the group."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from departments.roles import Role
from incidents import engine, rules, services
from incidents.models import ContactLog, Deadline, IncidentEvent, LevelOneDuty, Status, UpwardReport
from notifications.models import Notice
from opinion_system.errors import DomainError, NotAllowed
from tests.factories import approved_statement, assessed, ended, level_one_duties_done

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 5, 10, 9, 0, tzinfo=SHANGHAI)
DUTY = LevelOneDuty.Kind
KIND = Deadline.Kind


def sweep_at(moment: dt.datetime) -> engine.SweepResult:
    with time_machine.travel(moment, tick=False):
        return engine.run_once()


def who(deadline: Deadline, stage: str) -> set[str]:
    return set(
        Notice.objects.filter(
            deadline=deadline, kind=f"deadline_{stage}", channel=Notice.Channel.IN_APP
        ).values_list("recipient__username", flat=True)
    )


@pytest.fixture
def level_one(org):
    with time_machine.travel(START, tick=False):
        return assessed(org, level=1, category="E")


def duty_deadline(incident, kind: str, **filters) -> Deadline:
    return Deadline.objects.get(incident=incident, kind=f"duty_{kind}", **filters)


def test_level_1_opens_a_deadline_per_duty_from_the_rules(level_one, settings):
    settings.LEVEL_ONE_DUTY_HOURS = {}
    for kind, hours in {DUTY.REPORT_TOP_LEADERS: 1, DUTY.REPORT_SUPERIOR: 1, DUTY.SPECIAL_MEETING: 24,
                        DUTY.EMERGENCY_PLAN: 2}.items():  # fmt: skip
        assert rules.LEVEL_ONE_DUTY_HOURS[kind] == hours
        assert duty_deadline(level_one, kind, state="open").due_at == START + dt.timedelta(hours=hours)


def test_the_setting_overrides_a_duty_hours(org, settings):
    settings.LEVEL_ONE_DUTY_HOURS = {"special_meeting": 12}
    with time_machine.travel(START, tick=False):
        incident = assessed(org, level=1, category="E")
    assert duty_deadline(incident, DUTY.SPECIAL_MEETING).due_at == START + dt.timedelta(hours=12)
    assert duty_deadline(incident, DUTY.REPORT_SUPERIOR).due_at == START + dt.timedelta(hours=1)


def test_an_unrecorded_upward_report_is_reminded_goes_overdue_and_reaches_the_leadership_group(
    org, level_one
):
    deadline = duty_deadline(level_one, DUTY.REPORT_SUPERIOR)
    reminder = START + dt.timedelta(minutes=60 - 20)
    assert deadline.next_notice_at == reminder
    sweep_at(reminder)
    assert who(deadline, "reminder") == {"office_clerk"}
    sweep_at(START + dt.timedelta(hours=1))
    assert who(deadline, "overdue") == {"office_clerk"}
    sweep_at(START + dt.timedelta(hours=1, minutes=120))
    deadline.refresh_from_db()
    assert deadline.escalated_at is not None
    assert who(deadline, "escalation") == {"office_clerk", "leader"}  # 督办 by the leadership group
    assert IncidentEvent.objects.filter(
        incident=level_one, kind=IncidentEvent.Kind.DEADLINE, message__contains="向上级网络舆情主管部门报告"
    ).exists()


def test_recording_a_duty_meets_its_deadline_and_stops_the_chain(org, level_one):
    with time_machine.travel(START + dt.timedelta(minutes=30), tick=False):
        services.level_one_duty_record(
            incident=level_one,
            actor=org.p.clerk,
            kind=DUTY.REPORT_TOP_LEADERS,
            method="电话",
            recipient="党委书记",
        )
    deadline = duty_deadline(level_one, DUTY.REPORT_TOP_LEADERS)
    assert deadline.state == Deadline.State.MET and not deadline.met_late
    sweep_at(START + dt.timedelta(hours=5))
    assert not who(deadline, "overdue")


def test_lowering_the_level_makes_the_open_duties_moot_and_keeps_the_done_ones(org, level_one):
    services.level_one_duty_record(
        incident=level_one,
        actor=org.p.clerk,
        kind=DUTY.REPORT_TOP_LEADERS,
        method="电话",
        recipient="党委书记",
    )
    level_one.refresh_from_db()
    services.incident_change_level(incident=level_one, actor=org.p.clerk, to_level=2, reason="热度下降")
    assert duty_deadline(level_one, DUTY.REPORT_TOP_LEADERS).state == Deadline.State.MET
    for kind in (DUTY.REPORT_SUPERIOR, DUTY.SPECIAL_MEETING, DUTY.EMERGENCY_PLAN):
        assert duty_deadline(level_one, kind).state == Deadline.State.MOOT
    # Raised again: the released duties are required anew, with fresh deadlines.
    level_one.refresh_from_db()
    services.incident_change_level(incident=level_one, actor=org.p.clerk, to_level=1, reason="再度发酵")
    assert duty_deadline(level_one, DUTY.SPECIAL_MEETING, state="open")
    assert not Deadline.objects.filter(incident=level_one, kind=KIND.DUTY_REPORT_TOP_LEADERS, state="open")


def test_a_level_1_disposal_does_not_end_with_a_duty_open_and_names_it(org, level_one):
    approved_statement(org, level_one)
    services.upward_report_add(
        incident=level_one, actor=org.p.clerk, authority="省委教育工委", channel="phone", content="首报"
    )
    services.level_one_duty_record(incident=level_one, actor=org.p.clerk, kind=DUTY.REPORT_TOP_LEADERS)
    with pytest.raises(DomainError) as refused:
        services.disposal_end(incident=level_one, actor=org.p.xsc_liaison)
    assert "召开专题会议、启动应急预案" in refused.value.message
    assert "向上级" not in refused.value.message and "主要领导" not in refused.value.message
    level_one.refresh_from_db()
    assert level_one.status == Status.IN_DISPOSAL


def test_the_office_waives_a_duty_with_a_reason_and_the_disposal_may_end(org, level_one):
    approved_statement(org, level_one)
    for kind in (DUTY.REPORT_TOP_LEADERS, DUTY.REPORT_SUPERIOR, DUTY.SPECIAL_MEETING):
        services.level_one_duty_record(
            incident=level_one, actor=org.p.clerk, kind=kind, method="电话", recipient="省委教育工委"
        )
    with pytest.raises(DomainError, match="免除理由"):
        services.level_one_duty_waive(
            incident=level_one, actor=org.p.clerk, kind=DUTY.EMERGENCY_PLAN, reason=" "
        )
    with pytest.raises(NotAllowed):
        services.level_one_duty_waive(
            incident=level_one, actor=org.p.xsc_liaison, kind=DUTY.EMERGENCY_PLAN, reason="无需"
        )
    services.level_one_duty_waive(
        incident=level_one, actor=org.p.clerk, kind=DUTY.EMERGENCY_PLAN, reason="上级已统一启动应急预案"
    )
    duty = LevelOneDuty.objects.get(incident=level_one, kind=DUTY.EMERGENCY_PLAN)
    assert duty.waived_by == org.p.clerk and duty.waive_reason == "上级已统一启动应急预案"
    assert duty_deadline(level_one, DUTY.EMERGENCY_PLAN).state == Deadline.State.MOOT
    event = IncidentEvent.objects.get(incident=level_one, kind=IncidentEvent.Kind.DUTY_WAIVED)
    assert event.reason == "上级已统一启动应急预案" and "启动应急预案" in event.message
    with pytest.raises(DomainError, match="已完成或已免除"):
        services.level_one_duty_waive(
            incident=level_one, actor=org.p.clerk, kind=DUTY.EMERGENCY_PLAN, reason="再次"
        )
    assert services.disposal_end(incident=level_one, actor=org.p.xsc_liaison).status == Status.DISPOSAL_ENDED


def test_an_upward_report_records_the_duty_and_follow_ups_are_kept(org, level_one):
    with time_machine.travel(START + dt.timedelta(minutes=40), tick=False):
        first = services.upward_report_add(
            incident=level_one, actor=org.p.clerk, authority="省委教育工委网络舆情处置办公室", channel="document",
            content="首报：基本情况", reported_by_text="党群工作部部长",
        )  # fmt: skip
    duty = LevelOneDuty.objects.get(incident=level_one, kind=DUTY.REPORT_SUPERIOR)
    assert duty.done_at == first.reported_at and duty.recipient == "省委教育工委网络舆情处置办公室"
    assert duty.method == "公文"
    assert duty_deadline(level_one, DUTY.REPORT_SUPERIOR).state == Deadline.State.MET
    with time_machine.travel(START + dt.timedelta(hours=6), tick=False):
        services.upward_report_add(
            incident=level_one, actor=org.p.clerk, authority="省委教育工委网络舆情处置办公室", channel="email",
            content="续报：处置进展",
        )  # fmt: skip
    reports = list(UpwardReport.objects.filter(incident=level_one))
    assert [r.content for r in reports] == ["首报：基本情况", "续报：处置进展"]
    assert reports[0].reporter_name == "党群工作部部长" and reports[1].reported_by == org.p.clerk
    messages = list(
        IncidentEvent.objects.filter(incident=level_one, kind=IncidentEvent.Kind.UPWARD_REPORTED).values_list(
            "message", flat=True
        )
    )
    assert messages[0].startswith("向上级报告") and messages[1].startswith("续报")
    # The duty keeps the first report's time.
    duty.refresh_from_db()
    assert duty.done_at == first.reported_at


def test_upward_reports_are_the_office_s_and_level_1_s(org, level_one):
    with pytest.raises(NotAllowed):
        services.upward_report_add(
            incident=level_one, actor=org.p.xsc_liaison, authority="省委", channel="phone", content="x"
        )
    with pytest.raises(DomainError, match="报告方式"):
        services.upward_report_add(
            incident=level_one, actor=org.p.clerk, authority="省委", channel="飞鸽", content="x"
        )
    level_two = assessed(org, level=2)
    with pytest.raises(DomainError, match="只有一级舆情"):
        services.upward_report_add(
            incident=level_two, actor=org.p.clerk, authority="省委", channel="phone", content="x"
        )


def test_contacts_are_recorded_by_the_office_and_the_department(org, level_one):
    services.contact_log_add(
        incident=level_one, actor=org.p.clerk, counterpart="四川日报 记者王某", kind="media", channel="phone",
        content="说明事件进展，请其客观报道",
    )  # fmt: skip
    services.contact_log_add(
        incident=level_one, actor=org.p.xsc_liaison, counterpart="市公安局网安支队", kind="department",
        channel="in_person", content="通报发帖人情况",
    )  # fmt: skip
    with pytest.raises(NotAllowed):
        services.contact_log_add(
            incident=level_one,
            actor=org.p.rsc_liaison,
            counterpart="某报",
            kind="media",
            channel="phone",
            content="x",
        )
    with pytest.raises(DomainError, match="联系对象类别"):
        services.contact_log_add(
            incident=level_one,
            actor=org.p.clerk,
            counterpart="某报",
            kind="friend",
            channel="phone",
            content="x",
        )
    assert ContactLog.objects.filter(incident=level_one).count() == 2
    assert (
        IncidentEvent.objects.filter(incident=level_one, kind=IncidentEvent.Kind.CONTACT_RECORDED).count()
        == 2
    )


def test_level_1_progress_reaches_the_leadership_group_and_level_2_only_the_office(org, level_one):
    services.progress_report_add(incident=level_one, actor=org.p.xsc_liaison, content="一级进展")
    level_two = assessed(org, level=2)
    services.progress_report_add(incident=level_two, actor=org.p.xsc_liaison, content="二级进展")

    def told(incident):
        return set(
            Notice.objects.filter(
                incident=incident, kind="progress_reported", channel=Notice.Channel.IN_APP
            ).values_list("recipient__username", flat=True)
        )

    assert told(level_one) == {"office_clerk", "leader"}
    assert told(level_two) == {"office_clerk"}


def test_the_page_shows_duties_with_deadlines_what_is_missing_and_the_records(org, level_one):
    services.upward_report_add(
        incident=level_one, actor=org.p.clerk, authority="省委教育工委", channel="fax", content="首报内容"
    )
    services.contact_log_add(
        incident=level_one,
        actor=org.p.clerk,
        counterpart="四川日报",
        kind="media",
        channel="phone",
        content="沟通",
    )
    approved_statement(org, level_one)
    liaison, clerk = Client(), Client()
    liaison.force_login(org.p.xsc_liaison)
    clerk.force_login(org.p.clerk)
    url = reverse("incidents:detail", args=[level_one.pk])
    page = liaison.get(url).content.decode()
    assert 'id="level-one-duties"' in page and "时限" in page
    assert 'id="open-duties"' in page and "召开专题会议、启动应急预案" in page  # before the click
    assert "首报内容" in page and "四川日报" in page
    assert 'id="upward-brief"' not in page and 'data-action="waive_duty"' not in page
    office = clerk.get(url).content.decode()
    assert 'id="upward-brief"' in office and 'data-action="waive_duty"' in office
    assert 'data-action="upward_report"' in office and 'data-action="contact"' in office


def test_the_waiver_goes_through_its_registry_entry(org, level_one):
    client = Client()
    client.force_login(org.p.clerk)
    url = reverse("incidents:action", args=[level_one.pk, "waive_duty"])
    refused = client.post(url, {"kind": DUTY.SPECIAL_MEETING, "reason": "", "token": "t1"})
    assert refused.status_code == 400
    done = client.post(url, {"kind": DUTY.SPECIAL_MEETING, "reason": "已在常委会上专题研究", "token": "t2"})
    assert done.status_code == 302
    assert LevelOneDuty.objects.get(incident=level_one, kind=DUTY.SPECIAL_MEETING).waived_at is not None
    liaison = Client()
    liaison.force_login(org.p.xsc_liaison)
    assert liaison.post(url, {"kind": DUTY.EMERGENCY_PLAN, "reason": "x", "token": "t3"}).status_code == 403


def test_the_factory_ends_a_level_1_disposal_with_its_duties_done(org):
    incident = ended(org, level=1, category="E")
    assert incident.status == Status.DISPOSAL_ENDED
    assert all(d.done_at for d in LevelOneDuty.objects.filter(incident=incident))
    assert Role.OFFICE  # the duties were recorded by the office clerk
    assert not Deadline.objects.filter(incident=incident, kind__startswith="duty_", state="open").exists()


def test_level_one_duties_done_helper_is_what_ending_needs(org, level_one):
    approved_statement(org, level_one)
    level_one_duties_done(org, level_one)
    assert services.disposal_end(incident=level_one, actor=org.p.xsc_liaison).status == Status.DISPOSAL_ENDED
