"""第八条: the office keeps the calendar of key monitoring periods; national holidays come from chinese_calendar."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from monitoring import services
from monitoring.models import KeyMonitoringPeriod, NilReport
from opinion_system.errors import DomainError

from .helpers import period

# The calendar page of one year, signed in as the office (navigation, bell and banner included): the same
# whatever the number of periods.
CALENDAR_QUERIES = 8

NATIONAL_HOLIDAYS_2026 = {
    "元旦": (dt.date(2026, 1, 1), dt.date(2026, 1, 3)),
    "春节": (dt.date(2026, 2, 15), dt.date(2026, 2, 23)),
    "清明节": (dt.date(2026, 4, 4), dt.date(2026, 4, 6)),
    "劳动节": (dt.date(2026, 5, 1), dt.date(2026, 5, 5)),
    "端午节": (dt.date(2026, 6, 19), dt.date(2026, 6, 21)),
    "中秋节": (dt.date(2026, 9, 25), dt.date(2026, 9, 27)),
    "国庆节": (dt.date(2026, 10, 1), dt.date(2026, 10, 7)),
}


def seeded() -> dict:
    return {p.name: (p.start_date, p.end_date) for p in KeyMonitoringPeriod.objects.filter(kind="holiday")}


def test_seeding_2026_groups_each_festival_into_one_period_named_in_chinese(org):
    call_command("seed_holidays", "2026", stdout=__import__("io").StringIO())
    assert seeded() == NATIONAL_HOLIDAYS_2026


def test_seeding_twice_creates_nothing_new_and_leaves_the_offices_edits_alone(org):
    services.holidays_seed(actor=org.p.clerk, year=2026)
    national_day = KeyMonitoringPeriod.objects.get(name="国庆节")
    services.period_update(
        actor=org.p.clerk, period=national_day, end_date=dt.date(2026, 10, 8), name="国庆节"
    )
    assert services.holidays_seed(actor=org.p.clerk, year=2026) == []
    assert KeyMonitoringPeriod.objects.count() == 7
    assert KeyMonitoringPeriod.objects.get(name="国庆节").end_date == dt.date(2026, 10, 8)


def test_a_year_the_library_does_not_know_asks_for_manual_entry(org):
    with pytest.raises(CommandError, match="手工登记"):
        call_command("seed_holidays", "2027")
    with pytest.raises(DomainError, match="国务院办公厅发布 2027 年"):
        services.holidays_seed(actor=org.p.clerk, year=2027)
    assert not KeyMonitoringPeriod.objects.exists()


def test_the_calendar_pages_button_seeds_and_explains_an_unknown_year(client, org):
    client.force_login(org.p.clerk)
    response = client.post(reverse("monitoring:seed"), {"year": 2026}, follow=True)
    assert "已导入 2026 年法定节假日 7 个" in response.content.decode()
    response = client.post(reverse("monitoring:seed"), {"year": 2027}, follow=True)
    assert response.status_code == 200
    assert "尚无 2027 年的安排" in response.content.decode()
    assert seeded() == NATIONAL_HOLIDAYS_2026


def test_the_office_enters_edits_and_deletes_a_period(client, org):
    client.force_login(org.p.clerk)
    data = {"name": "校庆", "kind": "school", "start_date": "2026-05-20", "end_date": "2026-05-22",
            "reminder_lead_minutes": "360", "nil_report_required": "on", "note": ""}  # fmt: skip
    response = client.post(reverse("monitoring:period_create"), data)
    created = KeyMonitoringPeriod.objects.get(name="校庆")
    assert response.status_code == 302 and created.reminder_lead_minutes == 360
    response = client.post(
        reverse("monitoring:period_edit", args=[created.pk]), {**data, "end_date": "2026-05-23", "version": 1}
    )
    assert response.status_code == 302
    assert KeyMonitoringPeriod.objects.get(pk=created.pk).end_date == dt.date(2026, 5, 23)
    response = client.post(reverse("monitoring:period_delete", args=[created.pk]))
    assert response.status_code == 302 and not KeyMonitoringPeriod.objects.filter(pk=created.pk).exists()


def test_a_period_cannot_end_before_it_starts(client, org):
    client.force_login(org.p.clerk)
    data = {"name": "校庆", "kind": "school", "start_date": "2026-05-20", "end_date": "2026-05-19"}
    response = client.post(reverse("monitoring:period_create"), data)
    assert response.status_code == 400 and "结束日期不能早于开始日期" in response.content.decode()
    with pytest.raises(DomainError):
        services.period_create(actor=org.p.clerk, name="x", kind="school",
                               start_date=dt.date(2026, 5, 2), end_date=dt.date(2026, 5, 1))  # fmt: skip


def test_a_period_with_nil_reports_cannot_be_deleted(org):
    kept = period(org, dt.date(2026, 3, 3), dt.date(2026, 3, 5))
    services.nil_report_open(period_id=kept.pk, department=org.xsc, day=dt.date(2026, 3, 3))
    with pytest.raises(DomainError, match="计入年度考核"):
        services.period_delete(actor=org.p.clerk, period=kept)
    assert NilReport.objects.filter(period=kept).exists()


def test_leaders_read_the_calendar_but_do_not_keep_it(client, org):
    kept = period(org, dt.date(2026, 3, 3), dt.date(2026, 3, 5))
    client.force_login(org.p.leader)
    assert client.get(reverse("monitoring:calendar") + "?year=2026").status_code == 200
    assert client.get(reverse("monitoring:period_detail", args=[kept.pk])).status_code == 200
    assert client.get(reverse("monitoring:period_create")).status_code == 403
    assert client.get(reverse("monitoring:period_edit", args=[kept.pk])).status_code == 403
    assert client.post(reverse("monitoring:seed"), {"year": 2026}).status_code == 403


@pytest.mark.parametrize("who", ["xsc_liaison", "xsc_head", "outsider", "approver"])
def test_others_see_neither_the_calendar_nor_a_period(client, org, who):
    kept = period(org, dt.date(2026, 3, 3), dt.date(2026, 3, 5))
    client.force_login(getattr(org.p, who))
    assert client.get(reverse("monitoring:calendar")).status_code == 403
    assert client.get(reverse("monitoring:period_detail", args=[kept.pk])).status_code == 404
    assert client.get(reverse("monitoring:roster", args=[kept.pk])).status_code == 404
    assert client.get(reverse("monitoring:nil_report_status")).status_code == 403


def test_the_calendar_lists_a_year_in_a_constant_number_of_queries(client, org, django_assert_num_queries):
    services.holidays_seed(actor=org.p.clerk, year=2026)
    client.force_login(org.p.clerk)
    client.get(reverse("monitoring:calendar"))  # warm the session
    with django_assert_num_queries(CALENDAR_QUERIES):
        response = client.get(reverse("monitoring:calendar") + "?year=2026")
    assert response.status_code == 200 and "国庆节" in response.content.decode()
    period(org, dt.date(2026, 11, 1), dt.date(2026, 11, 3), name="x")
    with django_assert_num_queries(CALENDAR_QUERIES):
        client.get(reverse("monitoring:calendar") + "?year=2026")


def test_the_services_refuse_whoever_does_not_keep_the_calendar(org):
    kept = period(org, dt.date(2026, 3, 3), dt.date(2026, 3, 5))
    for who in (org.p.leader, org.p.xsc_liaison):
        with pytest.raises(DomainError):
            services.period_create(actor=who, name="x", kind="school",
                                   start_date=dt.date(2026, 5, 1), end_date=dt.date(2026, 5, 1))  # fmt: skip
        with pytest.raises(DomainError):
            services.period_update(actor=who, period=kept, name="改名")
        with pytest.raises(DomainError):
            services.holidays_seed(actor=who, year=2026)
        with pytest.raises(DomainError):
            services.period_delete(actor=who, period=kept)
    assert KeyMonitoringPeriod.objects.get().name == "全国两会"
