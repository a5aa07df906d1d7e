"""第八条: during a key period the person on duty also receives the level-2 and level-1 notices the office gets."""

import datetime as dt

import time_machine

from departments import services as dept_services
from departments.models import User
from departments.roles import Role
from incidents import services as incident_services
from monitoring import services
from notifications.models import Notice
from tests.factories import assessed, report

from .helpers import at, period


def duty_notices(user, kind: str) -> int:
    return Notice.objects.filter(recipient=user, channel=Notice.Channel.IN_APP, kind=kind).count()


def roster(org, kept, day, user):
    services.duty_roster_save(actor=org.p.clerk, period=kept, rows=[(day, user, "13800000000")])


def test_the_person_on_duty_gets_the_level_two_alert_exactly_once(org):
    kept = period(org, dt.date(2026, 10, 1), dt.date(2026, 10, 8))
    roster(org, kept, dt.date(2026, 10, 3), org.p.rsc_head)
    with time_machine.travel(at(2026, 10, 3, 10, 0), tick=False):
        assessed(org, level=2, category="B")
    assert duty_notices(org.p.rsc_head, "level_alert") == 1


def test_the_person_on_duty_gets_level_two_progress_reports(org):
    kept = period(org, dt.date(2026, 10, 1), dt.date(2026, 10, 8))
    roster(org, kept, dt.date(2026, 10, 3), org.p.rsc_head)
    with time_machine.travel(at(2026, 10, 3, 10, 0), tick=False):
        incident = assessed(org, level=2, category="B")
        incident_services.progress_report_add(incident=incident, actor=org.p.xsc_liaison, content="已回应")
    assert duty_notices(org.p.rsc_head, "progress_reported") == 1


def test_on_duty_and_in_the_office_is_one_notice_not_two(org):
    # A second clerk is on duty: the clerk who assesses is told nothing of their own action.
    on_duty = User.objects.create_user(
        "office_clerk2", password="pw", full_name="二号文员", department=org.office
    )
    dept_services.user_set_roles(actor=org.p.root, user=on_duty, roles=[Role.OFFICE])
    kept = period(org, dt.date(2026, 10, 1), dt.date(2026, 10, 8))
    roster(org, kept, dt.date(2026, 10, 3), on_duty)
    with time_machine.travel(at(2026, 10, 3, 10, 0), tick=False):
        assessed(org, level=2, category="B")
    assert duty_notices(on_duty, "level_alert") == 1
    assert duty_notices(org.p.clerk, "level_alert") == 0


def test_nobody_is_on_duty_outside_a_period(org):
    kept = period(org, dt.date(2026, 10, 1), dt.date(2026, 10, 8))
    roster(org, kept, dt.date(2026, 10, 8), org.p.rsc_head)
    with time_machine.travel(at(2026, 10, 9, 10, 0), tick=False):
        incident = assessed(org, level=2, category="B")
        incident_services.progress_report_add(incident=incident, actor=org.p.xsc_liaison, content="已回应")
    assert Notice.objects.filter(recipient=org.p.rsc_head).count() == 0


def test_only_the_days_person_and_only_level_two_and_one(org):
    kept = period(org, dt.date(2026, 10, 1), dt.date(2026, 10, 8))
    roster(org, kept, dt.date(2026, 10, 4), org.p.rsc_head)  # tomorrow's, not today's
    with time_machine.travel(at(2026, 10, 3, 10, 0), tick=False):
        assessed(org, level=2, category="B")
    roster(org, kept, dt.date(2026, 10, 5), org.p.rsc_leader)
    with time_machine.travel(at(2026, 10, 5, 10, 0), tick=False):
        level_three = report(org, title="三级")
        incident_services.incident_assess(
            incident=level_three, actor=org.p.clerk, category="C", level=3, responsible_department=org.xsc
        )
        incident_services.progress_report_add(incident=level_three, actor=org.p.xsc_liaison, content="进展")
    assert Notice.objects.filter(recipient=org.p.rsc_head).count() == 0
    assert Notice.objects.filter(recipient=org.p.rsc_leader).count() == 0


def test_the_roster_page_keeps_one_row_per_day(client, org):
    kept = period(org, dt.date(2026, 10, 1), dt.date(2026, 10, 3))
    client.force_login(org.p.clerk)
    page = client.get(f"/monitoring/{kept.pk}/roster/")
    assert page.status_code == 200 and page.content.decode().count("值班人员</label>") == 3
    response = client.post(
        f"/monitoring/{kept.pk}/roster/",
        {"d20261001-person": org.p.rsc_head.pk, "d20261001-phone": "13800000000", "d20261002-person": "",
         "d20261002-phone": "", "d20261003-person": "", "d20261003-phone": ""},
    )  # fmt: skip
    assert response.status_code == 302
    assert [(s.date, s.person_id) for s in kept.shifts.all()] == [(dt.date(2026, 10, 1), org.p.rsc_head.pk)]
