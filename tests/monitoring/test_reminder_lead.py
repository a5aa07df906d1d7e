"""第八条: during a key period deadlines are reminded earlier (the period's lead, when longer than the usual one)."""

import datetime as dt

import time_machine
from django.test import override_settings

from incidents import engine
from incidents.models import Deadline
from monitoring import services
from notifications.models import Notice
from tests.factories import ended

from .helpers import at, period


def filing_of_disposal_ended_at(org, moment) -> Deadline:
    with time_machine.travel(moment, tick=False):
        incident = ended(org, level=3)
    return Deadline.objects.get(incident=incident, kind=Deadline.Kind.FILING)


@override_settings(DEADLINE_REMINDER_MINUTES={"filing": 120})
def test_a_deadline_due_in_a_period_is_reminded_earlier_than_outside(org):
    period(org, dt.date(2026, 10, 1), dt.date(2026, 10, 8), reminder_lead_minutes=360)
    inside = filing_of_disposal_ended_at(org, at(2026, 10, 3, 9, 0))  # due 21:00
    outside = filing_of_disposal_ended_at(org, at(2026, 10, 12, 9, 0))
    assert inside.next_notice_at == at(2026, 10, 3, 15, 0)  # 6 hours before, not 2
    assert outside.next_notice_at == at(2026, 10, 12, 19, 0)
    with time_machine.travel(at(2026, 10, 3, 15, 0), tick=False):
        engine.run_once()
    assert Notice.objects.filter(deadline=inside, kind="deadline_reminder").exists()


@override_settings(DEADLINE_REMINDER_MINUTES={"filing": 120})
def test_a_shorter_lead_than_the_usual_one_changes_nothing(org):
    period(org, dt.date(2026, 10, 1), dt.date(2026, 10, 8), reminder_lead_minutes=30)
    inside = filing_of_disposal_ended_at(org, at(2026, 10, 3, 9, 0))
    assert inside.next_notice_at == at(2026, 10, 3, 19, 0)


@override_settings(DEADLINE_REMINDER_MINUTES={"filing": 120})
def test_a_period_without_a_lead_keeps_the_usual_reminder(org):
    period(org, dt.date(2026, 10, 1), dt.date(2026, 10, 8))
    inside = filing_of_disposal_ended_at(org, at(2026, 10, 3, 9, 0))
    assert inside.next_notice_at == at(2026, 10, 3, 19, 0)


@override_settings(DEADLINE_REMINDER_MINUTES={"filing": 120})
def test_what_falls_due_after_the_period_is_reminded_as_usual(org):
    period(org, dt.date(2026, 10, 1), dt.date(2026, 10, 3), reminder_lead_minutes=360)
    # Ended on the period's last day at 15:00: the form is due on the 4th at 03:00, outside the period.
    later = filing_of_disposal_ended_at(org, at(2026, 10, 3, 15, 0))
    assert later.next_notice_at == at(2026, 10, 4, 1, 0)


@override_settings(DEADLINE_REMINDER_MINUTES={"filing": 120})
def test_a_period_entered_later_moves_the_reminders_of_open_deadlines_and_gives_them_back(
    org, django_capture_on_commit_callbacks
):
    already_open = filing_of_disposal_ended_at(org, at(2026, 10, 3, 9, 0))  # due 21:00, reminder 19:00
    with time_machine.travel(at(2026, 10, 3, 10, 0), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            entered = services.period_create(
                actor=org.p.clerk, name="敏感时期", kind="sensitive", start_date=dt.date(2026, 10, 3),
                end_date=dt.date(2026, 10, 4), reminder_lead_minutes=360,
            )  # fmt: skip
        already_open.refresh_from_db()
        assert already_open.next_notice_at == at(2026, 10, 3, 15, 0)
        with django_capture_on_commit_callbacks(execute=True):
            services.period_delete(actor=org.p.clerk, period=entered)
    already_open.refresh_from_db()
    assert already_open.next_notice_at == at(2026, 10, 3, 19, 0)
