"""Nobody is told of their own action: not in the bell, not by e-mail. The others are, and so is the group robot;
a reminder of the sweep has nobody who acted and reaches everyone it names."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from bulletins import services as bulletin_services
from departments import services as dept_services
from departments.models import User
from departments.roles import Role
from incidents import engine, services
from incidents.models import Deadline
from meetings import services as meeting_services
from notifications.models import Notice, WebhookEndpoint
from notifications.services import Message, build_rows
from tests.bulletins.conftest import draft
from tests.factories import ended, report

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def second_clerk(org):
    user = User.objects.create_user(
        "office_clerk2",
        password="pw",
        full_name="二号文员",
        department=org.office,
        email="clerk2@example.edu",
    )
    dept_services.user_set_roles(actor=org.p.root, user=user, roles=[Role.OFFICE])
    return user


def told(kind: str, channel: str = Notice.Channel.IN_APP) -> set[str]:
    rows = Notice.objects.filter(kind=kind, channel=channel)
    return set(rows.values_list("recipient__username", flat=True))


def test_the_clerk_who_assesses_a_level_two_case_is_not_told_the_other_clerk_is(org, second_clerk, settings):
    settings.NOTICE_CHANNELS = ["in_app", "email", "webhook"]
    User.objects.filter(pk=org.p.clerk.pk).update(email="clerk1@example.edu")
    clerk = User.objects.get(pk=org.p.clerk.pk)
    robot = WebhookEndpoint.objects.create(
        name="办公室群", flavor=WebhookEndpoint.Flavor.WECOM, url="https://robot.example/hook", role="office"
    )
    incident = report(org)
    services.incident_assess(
        incident=incident, actor=clerk, category="B", level=2, responsible_department=org.xsc
    )
    assert told("level_alert") == {"office_clerk2", "dzb_approver"}
    assert told("level_alert", Notice.Channel.EMAIL) == {"office_clerk2"}
    # The office's group chat is no person: it hears what the office hears.
    assert Notice.objects.filter(kind="level_alert", endpoint=robot).count() == 1
    # The department is told to handle it: the liaison did not assess it.
    assert "xsc_liaison" in told("incident_assessed")


def test_one_message_leaves_out_only_the_one_who_acted(org, settings):
    settings.NOTICE_CHANNELS = ["in_app", "email"]
    head, liaison = org.p.xsc_head, org.p.xsc_liaison
    head.email = liaison.email = "x@example.edu"
    message = Message(
        kind="progress_reported", subject="互通信息", text="已回应", incident=None, key="t",
        created_at=timezone.now(), link="/",
    )  # fmt: skip
    rows = build_rows(message, [liaison, head, liaison], actor=liaison)
    assert {(r.recipient.username, r.channel) for r in rows} == {
        ("xsc_head", "in_app"),
        ("xsc_head", "email"),
    }
    assert len(build_rows(message, [liaison, head], actor=None)) == 4


def test_every_sender_has_to_say_who_acted():
    with pytest.raises(TypeError):
        build_rows(None, [])  # no actor=: a new sender cannot forget it silently


def test_the_office_convening_a_meeting_is_not_told_of_it(org, second_clerk):
    meeting_services.meeting_convene(
        actor=org.p.clerk,
        title="2026 年第 1 次网络舆情联席会议",
        held_at=timezone.now() + dt.timedelta(days=1),
        place="行政楼 301 会议室",
        attendees=[org.p.clerk, second_clerk, org.p.leader],
        agenda="研判近期舆情",
    )
    assert told("meeting_convened") == {"office_clerk2", "leader"}


def test_the_clerk_who_sends_a_bulletin_for_approval_is_told_when_a_leader_approves_it(org):
    bulletin = bulletin_services.bulletin_submit(actor=org.p.clerk, bulletin=draft(org))
    bulletin_services.bulletin_approve(actor=org.p.leader, bulletin=bulletin)
    assert "office_clerk" in told("bulletin_approved")
    assert "leader" not in told("bulletin_approved")


def test_a_reminder_of_the_sweep_reaches_the_one_who_acted_last(org):
    """Nobody acts in a sweep: the liaison who ended the disposal is reminded of the filing like the others."""
    moment = dt.datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)
    with time_machine.travel(moment, tick=False):
        incident = ended(org, level=3)
    filing = Deadline.objects.get(incident=incident, kind=Deadline.Kind.FILING)
    with time_machine.travel(filing.due_at, tick=False):
        engine.run_once()
    assert "xsc_liaison" in told("deadline_overdue")
    assert "office_clerk" in told("deadline_overdue")
