"""The regulation's clocks, watched by the sweep: reminder, overdue, escalation, repeats, met in time, re-plan.

Time is moved with time-machine; the sweep is called as the beat calls it.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse

from incidents import engine, services
from incidents.models import Deadline, IncidentEvent
from notifications import delivery
from notifications.models import Notice
from tests.factories import assessed, ended, exchange_deadlines

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def sweep_at(moment: dt.datetime) -> engine.SweepResult:
    with time_machine.travel(moment, tick=False):
        return engine.run_once()


def deadline_notices(deadline: Deadline, stage: str | None = None) -> dict[str, set[str]]:
    """Who got which stage of this deadline (in-app)."""
    rows = Notice.objects.filter(deadline=deadline, channel=Notice.Channel.IN_APP)
    if stage:
        rows = rows.filter(kind=f"deadline_{stage}")
    found: dict[str, set[str]] = {}
    for kind, username in rows.values_list("kind", "recipient__username"):
        found.setdefault(kind.removeprefix("deadline_"), set()).add(username)
    return found


@pytest.fixture
def filing(org):
    """A level-3 disposal ended at 09:30: the form is due at 21:30 (12 hours), reminder at 19:30."""
    with time_machine.travel(at(2026, 3, 2, 9, 30), tick=False):
        incident = ended(org, level=3)
    return Deadline.objects.get(incident=incident, kind=Deadline.Kind.FILING)


DEPARTMENT = {"xsc_head", "xsc_liaison"}


def test_nothing_is_sent_before_its_time(filing):
    assert sweep_at(at(2026, 3, 2, 19, 29)).processed == 0
    assert not deadline_notices(filing)


def test_reminder_before_the_filing_deadline_goes_to_the_department(filing):
    assert filing.next_notice_at == at(2026, 3, 2, 19, 30)
    sweep_at(at(2026, 3, 2, 19, 30))
    assert deadline_notices(filing) == {"reminder": DEPARTMENT}
    filing.refresh_from_db()
    assert filing.reminded_at and filing.next_notice_at == filing.due_at
    sweep_at(at(2026, 3, 2, 20, 0))  # a second sweep before the due time sends nothing more
    assert Notice.objects.filter(deadline=filing).count() == 2


def test_overdue_notice_goes_to_the_department_and_the_office_and_enters_the_case_log(filing):
    sweep_at(at(2026, 3, 2, 21, 30))
    assert deadline_notices(filing) == {"overdue": DEPARTMENT | {"office_clerk"}}
    assert (
        IncidentEvent.objects.filter(incident=filing.incident, kind=IncidentEvent.Kind.DEADLINE).count() == 1
    )


@override_settings(DEADLINE_ESCALATE_AFTER_MINUTES=120)
def test_escalation_to_the_supervising_leader_and_the_office_when_it_stays_overdue(filing):
    sweep_at(at(2026, 3, 2, 21, 31))
    sweep_at(at(2026, 3, 2, 23, 29))
    assert "escalation" not in deadline_notices(filing)
    sweep_at(at(2026, 3, 2, 23, 30))
    assert deadline_notices(filing, "escalation") == {"escalation": {"xsc_leader", "office_clerk"}}
    filing.refresh_from_db()
    assert filing.escalated_at is not None


@override_settings(DEADLINE_ESCALATE_AFTER_MINUTES=120, DEADLINE_REPEAT_MINUTES=240)
def test_overdue_repeats_at_a_sane_cadence_until_met(org, filing):
    moments = [at(2026, 3, 2, 21, 30), at(2026, 3, 2, 23, 30)] + [
        at(2026, 3, 2, 21, 30) + dt.timedelta(minutes=m) for m in range(150, 24 * 60, 30)
    ]
    for moment in moments:  # the beat runs many times; only the cadence decides
        sweep_at(moment)
    overdue = Notice.objects.filter(deadline=filing, kind="deadline_overdue", recipient=org.p.xsc_head)
    # 21:30 first, then every 4 hours: 01:30, 05:30, 09:30, 13:30, 17:30 (until 21:00 next day)
    assert overdue.count() == 6
    with time_machine.travel(at(2026, 3, 3, 21, 5), tick=False):
        incident = filing.incident
        services.disposal_form_save(
            incident=incident, actor=org.p.xsc_liaison, team_members="张三", disposal_situation="已处理"
        )
        services.disposal_form_sign(incident=incident, actor=org.p.xsc_head)
        services.disposal_form_submit(incident=incident, actor=org.p.xsc_liaison)
    count = Notice.objects.filter(deadline=filing).count()
    sweep_at(at(2026, 3, 4, 9, 30))
    assert Notice.objects.filter(deadline=filing).count() == count  # met: silence
    filing.refresh_from_db()
    assert filing.state == Deadline.State.MET and filing.met_late


def test_met_in_time_sends_nothing_more_and_cancels_a_reminder_email_not_yet_sent(org, filing):
    org.p.xsc_head.email = "head@xsc.example.edu.cn"
    org.p.xsc_head.save()
    with time_machine.travel(at(2026, 3, 2, 19, 30), tick=False):
        engine.sweep()  # the reminder is written (the bell shows it); its email is not sent yet
    email = Notice.objects.get(deadline=filing, kind="deadline_reminder", channel=Notice.Channel.EMAIL)
    with time_machine.travel(at(2026, 3, 2, 20, 0), tick=False):
        incident = filing.incident
        services.disposal_form_save(
            incident=incident, actor=org.p.xsc_liaison, team_members="张三", disposal_situation="已处理"
        )
        services.disposal_form_sign(incident=incident, actor=org.p.xsc_head)
        services.disposal_form_submit(incident=incident, actor=org.p.xsc_liaison)
    email.refresh_from_db()
    assert email.cancelled_at is not None and email.sent_at is None
    sweep_at(at(2026, 3, 3, 9, 0))
    assert set(deadline_notices(filing)) == {"reminder"}  # no overdue, no escalation
    assert delivery.deliver(email.pk) == "skipped"


def test_daily_exchange_reminder_at_20_00_and_overdue_at_midnight_shanghai(org):
    with time_machine.travel(at(2026, 5, 10, 9, 0), tick=False):
        incident = assessed(org, level=2)
    daily = Deadline.objects.get(incident=incident, kind=Deadline.Kind.DAILY_EXCHANGE)
    assert daily.due_at == at(2026, 5, 12, 0, 0)
    sweep_at(at(2026, 5, 11, 19, 59))
    assert not deadline_notices(daily)
    sweep_at(at(2026, 5, 11, 20, 0))
    assert set(deadline_notices(daily)) == {"reminder"}
    sweep_at(at(2026, 5, 11, 23, 59, 59))
    assert "overdue" not in deadline_notices(daily)
    sweep_at(at(2026, 5, 12, 0, 0))  # midnight in Shanghai = 16:00 UTC the day before
    assert "overdue" in deadline_notices(daily)


def test_a_report_just_before_midnight_meets_the_day_and_the_clock_moves_to_the_next(org):
    with time_machine.travel(at(2026, 5, 10, 9, 0), tick=False):
        incident = assessed(org, level=2)
    with time_machine.travel(at(2026, 5, 11, 23, 58), tick=False):
        services.progress_report_add(incident=incident, actor=org.p.xsc_liaison, content="今日进展")
    sweep_at(at(2026, 5, 12, 0, 1))
    assert not Notice.objects.filter(kind="deadline_overdue", incident=incident).exists()
    nxt = exchange_deadlines(incident).get(state="open")
    assert nxt.due_at == at(2026, 5, 13, 0, 0) and nxt.next_notice_at == at(2026, 5, 12, 20, 0)


@override_settings(LEVEL1_REPORT_INTERVAL_HOURS=4)
def test_round_the_clock_reminder_and_overdue_at_night(org):
    with time_machine.travel(at(2026, 5, 10, 23, 0), tick=False):
        incident = assessed(org, level=1, category="A")
    rtc = Deadline.objects.get(incident=incident, kind=Deadline.Kind.ROUND_THE_CLOCK)
    assert rtc.due_at == at(2026, 5, 11, 3, 0)
    sweep_at(at(2026, 5, 11, 2, 0))
    assert set(deadline_notices(rtc)) == {"reminder"}
    sweep_at(at(2026, 5, 11, 3, 0))
    assert set(deadline_notices(rtc)) == {"reminder", "overdue"}


def test_raising_level_3_to_2_replans_at_once_and_the_sweep_follows(org):
    with time_machine.travel(at(2026, 5, 10, 9, 0), tick=False):
        incident = assessed(org, level=3)
        services.incident_change_level(incident=incident, actor=org.p.clerk, to_level=2, reason="扩散")
    daily = exchange_deadlines(incident).get(state="open")
    assert daily.kind == Deadline.Kind.DAILY_EXCHANGE
    with time_machine.travel(at(2026, 5, 10, 12, 0), tick=False):
        services.incident_change_level(incident=incident, actor=org.p.clerk, to_level=1, reason="媒体介入")
    daily.refresh_from_db()
    assert daily.state == Deadline.State.MOOT
    sweep_at(at(2026, 5, 12, 0, 0))  # the moot daily deadline never sends its overdue notice
    assert not deadline_notices(daily)
    rtc = exchange_deadlines(incident).get(state="open")
    assert rtc.kind == Deadline.Kind.ROUND_THE_CLOCK and "overdue" in deadline_notices(rtc)


@override_settings(STATEMENT_REVIEW_HOURS=2)
def test_a_statement_waiting_too_long_is_flagged_to_admin_office(org):
    with time_machine.travel(at(2026, 5, 10, 9, 0), tick=False):
        incident = assessed(org, level=2)
        statement = services.statement_save_draft(incident=incident, actor=org.p.xsc_liaison, text="通稿")
        services.statement_submit(statement=statement, actor=org.p.xsc_liaison)
    review = Deadline.objects.get(incident=incident, kind=Deadline.Kind.STATEMENT_REVIEW)
    sweep_at(at(2026, 5, 10, 10, 59))
    assert not deadline_notices(review)
    sweep_at(at(2026, 5, 10, 11, 0))
    assert deadline_notices(review) == {"overdue": {"dzb_approver"}}
    with time_machine.travel(at(2026, 5, 10, 11, 30), tick=False):
        services.statement_approve(statement=statement, actor=org.p.approver)
    review.refresh_from_db()
    assert review.state == Deadline.State.MET


def test_a_late_sweep_catches_up_once(org, filing):
    # The scheduler was down all night: the first sweep after sends the overdue notice once, no reminder.
    sweep_at(at(2026, 3, 3, 8, 0))
    assert set(deadline_notices(filing)) == {"overdue"}
    sweep_at(at(2026, 3, 3, 8, 1))
    assert set(deadline_notices(filing)) == {"overdue", "escalation"}
    sweep_at(at(2026, 3, 3, 8, 2))
    assert (
        Notice.objects.filter(deadline=filing, kind="deadline_overdue", recipient=org.p.xsc_head).count() == 1
    )


def test_the_bell_shows_the_notice_and_marks_it_read(client, org, filing):
    sweep_at(at(2026, 3, 2, 21, 30))
    client.force_login(org.p.xsc_head)
    page = client.get(reverse("notifications:list")).content.decode()
    assert "【逾期】" in page and filing.incident.number in page
    home = client.get(reverse("incidents:home")).content.decode()
    assert 'badge bg-light text-danger">' in home
    own = Notice.objects.filter(recipient=org.p.xsc_head, kind="deadline_overdue").get()
    other = Notice.objects.filter(recipient=org.p.clerk, kind="deadline_overdue").get()
    client.post(reverse("notifications:read"), {"id": other.pk})  # another's notice: untouched
    client.post(reverse("notifications:read"), {"id": own.pk})
    own.refresh_from_db(), other.refresh_from_db()
    assert own.read_at and not other.read_at


def test_in_app_notices_are_delivered_by_the_sweep(filing):
    sweep_at(at(2026, 3, 2, 21, 30))
    assert not Notice.objects.filter(channel=Notice.Channel.IN_APP, sent_at__isnull=True).exists()


def test_email_is_sent_once(org, filing, mailoutbox):
    org.p.xsc_head.email = "head@xsc.example.edu.cn"
    org.p.xsc_head.save()
    sweep_at(at(2026, 3, 2, 21, 30))
    sweep_at(at(2026, 3, 2, 21, 31))
    mails = [m for m in mailoutbox if "【逾期】" in m.subject]
    assert len(mails) == 1 and mails[0].to == ["head@xsc.example.edu.cn"]
    row = Notice.objects.get(channel=Notice.Channel.EMAIL, kind="deadline_overdue")
    assert row.sent_at and row.attempts == 1
    assert delivery.deliver(row.pk) == "skipped"


def test_sweep_query_count_does_not_grow_with_due_rows(org):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def due_incidents(n):
        with time_machine.travel(at(2026, 3, 2, 9, 30), tick=False):
            return [ended(org, level=3) for _ in range(n)]

    sweep_at(at(2026, 3, 1, 9, 0))  # the heartbeat row exists from the first sweep on
    due_incidents(2)
    with time_machine.travel(at(2026, 3, 2, 21, 30), tick=False), CaptureQueriesContext(connection) as few:
        engine.sweep()
    due_incidents(12)
    with time_machine.travel(at(2026, 3, 2, 21, 30), tick=False), CaptureQueriesContext(connection) as many:
        assert engine.sweep().processed == 12
    assert len(many.captured_queries) == len(few.captured_queries)


def test_heartbeat_health_endpoint_and_office_banner(client, org):
    response = client.get(reverse("incidents:health"))
    assert response.status_code == 503 and response.json()["scheduler"] == "stopped"
    with time_machine.travel(at(2026, 3, 2, 10, 0), tick=False):
        engine.run_once()
        assert client.get(reverse("incidents:health")).status_code == 200
        client.force_login(org.p.clerk)
        assert "定时任务已停止" not in client.get(reverse("incidents:home")).content.decode()
    with time_machine.travel(at(2026, 3, 2, 10, 6), tick=False):
        assert client.get(reverse("incidents:health")).json()["scheduler"] == "stopped"
        assert "定时任务已停止" in client.get(reverse("incidents:home")).content.decode()
        client.force_login(org.p.xsc_liaison)  # the banner is for the office
        assert "定时任务已停止" not in client.get(reverse("incidents:home")).content.decode()


def test_sweep_command_runs_one_sweep(org, filing):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    with time_machine.travel(at(2026, 3, 2, 21, 30), tick=False):
        call_command("sweep_deadlines", stdout=out)
    assert "处理时限 1 项" in out.getvalue()
    with time_machine.travel(at(2026, 3, 2, 21, 30), tick=False):
        call_command("run_scheduler", "--once", stdout=out)
    assert (
        Notice.objects.filter(deadline=filing, kind="deadline_overdue", recipient=org.p.xsc_head).count() == 1
    )


@override_settings(FIRST_REPORT_EXPECTED_MINUTES=60, LEVEL_ALERT_EXPECTED_MINUTES=15)
def test_first_time_reporting_is_measured_and_late_is_flagged(client, org):
    from incidents import selectors
    from tests.factories import report

    with time_machine.travel(at(2026, 5, 10, 12, 0), tick=False):
        incident = report(org, discovered_at=at(2026, 5, 10, 9, 0))
        incident = services.incident_assess(
            incident=incident, actor=org.p.clerk, category="E", level=1, responsible_department=org.xsc
        )
    measures = {m.label: m for m in selectors.incident_first_time_measures(incident=incident)}
    assert measures["发现到上报党群工作部"].minutes == 180 and measures["发现到上报党群工作部"].late
    # The alerts reach the bells of 党政办 and the top leaders in the same transaction as the assessment.
    assert measures["研判/升级后通知党政办"].minutes == 0 and not measures["研判/升级后通知党政办"].late
    assert measures["一级舆情通知学校党政主要领导"].done_at is not None
    client.force_login(org.p.clerk)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "发现到上报党群工作部：用时 180 分钟（要求 60 分钟内），超时" in page


def test_health_answers_503_when_the_database_does_not(client, db, monkeypatch):
    from django.db import OperationalError

    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(engine, "scheduler_status", unreachable)
    response = client.get(reverse("incidents:health"))
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable" and response.json()["scheduler"] == "stopped"
