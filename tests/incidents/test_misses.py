"""第十条 exchanges that were not made stay on record (第十五条 counts them): each missed calendar day at level 2
and each missed interval at level 1 counts once, whatever stops the clock afterwards."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from incidents import services
from incidents.models import Deadline
from incidents.models.deadlines import exchange_misses
from tests.factories import approved_statement, assessed, level_one_duties_done

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAILY, RTC = Deadline.Kind.DAILY_EXCHANGE, Deadline.Kind.ROUND_THE_CLOCK


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def exchange(incident, kind) -> Deadline:
    return Deadline.objects.exclude(state=Deadline.State.OPEN).get(incident=incident, kind=kind)


def test_an_overdue_daily_exchange_ended_by_the_disposal_is_missed_not_moot(org):
    with time_machine.travel(at(2026, 5, 10, 9, 0), tick=False):
        incident = assessed(org, level=2)
        approved_statement(org, incident)
    # Due at midnight starting 05-12 (the 11th's report); nothing came on the 11th or the 12th.
    with time_machine.travel(at(2026, 5, 13, 10, 0), tick=False):
        services.disposal_end(incident=incident, actor=org.p.xsc_liaison)
    daily = exchange(incident, DAILY)
    assert daily.state == Deadline.State.MISSED and daily.misses == 2
    assert daily.closed_at == at(2026, 5, 13, 10, 0) and "逾期" in daily.closed_reason


def test_a_daily_exchange_still_in_time_when_the_disposal_ends_is_moot(org):
    with time_machine.travel(at(2026, 5, 10, 9, 0), tick=False):
        incident = assessed(org, level=2)
        approved_statement(org, incident)
    with time_machine.travel(at(2026, 5, 11, 20, 0), tick=False):
        services.disposal_end(incident=incident, actor=org.p.xsc_liaison)
    daily = exchange(incident, DAILY)
    assert daily.state == Deadline.State.MOOT and daily.misses == 0


def test_a_late_daily_report_counts_the_days_it_missed(org):
    with time_machine.travel(at(2026, 5, 10, 9, 0), tick=False):
        incident = assessed(org, level=2)
    with time_machine.travel(at(2026, 5, 12, 8, 0), tick=False):
        services.progress_report_add(incident=incident, actor=org.p.xsc_liaison, content="补报")
    met = Deadline.objects.get(incident=incident, kind=DAILY, state=Deadline.State.MET)
    assert met.met_late and met.misses == 1  # the 11th went without a report


def test_each_missed_interval_at_level_1_counts_once(org, settings):
    hours = settings.LEVEL1_REPORT_INTERVAL_HOURS
    with time_machine.travel(at(2026, 5, 10, 9, 0), tick=False):
        incident = assessed(org, level=1, category="E")
        approved_statement(org, incident)
        level_one_duties_done(org, incident)
    due = at(2026, 5, 10, 9, 0) + dt.timedelta(hours=hours)
    with time_machine.travel(due + dt.timedelta(hours=hours, minutes=30), tick=False):
        services.disposal_end(incident=incident, actor=org.p.xsc_liaison)
    rtc = exchange(incident, RTC)
    assert rtc.state == Deadline.State.MISSED and rtc.misses == 2


def test_lowering_the_level_over_an_overdue_exchange_keeps_the_miss(org):
    with time_machine.travel(at(2026, 5, 10, 9, 0), tick=False):
        incident = assessed(org, level=2)
    with time_machine.travel(at(2026, 5, 12, 9, 0), tick=False):
        services.incident_change_level(incident=incident, actor=org.p.clerk, to_level=3, reason="已平息")
    daily = exchange(incident, DAILY)
    assert daily.state == Deadline.State.MISSED and daily.misses == 1


def test_the_count_follows_the_beijing_calendar_and_the_interval():
    due = at(2026, 5, 12, 0, 0)
    assert exchange_misses(DAILY, due, due) == 0
    assert exchange_misses(DAILY, due, at(2026, 5, 12, 0, 1)) == 1
    assert exchange_misses(DAILY, due, at(2026, 5, 12, 23, 59)) == 1
    assert exchange_misses(DAILY, due, at(2026, 5, 13, 0, 0)) == 2
    # 16:30 UTC on the 12th is 00:30 on the 13th in Beijing: two days, not one.
    assert exchange_misses(DAILY, due, dt.datetime(2026, 5, 12, 16, 30, tzinfo=dt.UTC)) == 2
    assert exchange_misses(RTC, due, due + dt.timedelta(minutes=1)) == 1
    assert exchange_misses(RTC, due, due + dt.timedelta(hours=8)) == 2
    assert exchange_misses(Deadline.Kind.FILING, due, due + dt.timedelta(days=3)) == 0


def test_the_page_and_the_dossier_say_a_miss_is_a_miss(client, org):
    from django.urls import reverse

    from reports.selectors import deadline_outcome

    with time_machine.travel(at(2026, 5, 10, 9, 0), tick=False):
        incident = assessed(org, level=2)
        approved_statement(org, incident)
    with time_machine.travel(at(2026, 5, 13, 10, 0), tick=False):
        services.disposal_end(incident=incident, actor=org.p.xsc_liaison)
    text, missed = deadline_outcome(exchange(incident, DAILY))
    assert missed and text.startswith("逾期未报，缺报 2 次")
    client.force_login(org.p.clerk)
    assert "逾期未报，缺报 2 次" in client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
