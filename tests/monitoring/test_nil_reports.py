"""第八条 零报告: during a period every department with a liaison reports daily by NIL_REPORT_DUE_TIME; the sweep
reminds, then counts a missing one as a miss and tells the liaison and the office — each notice exactly once."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from monitoring import services, sweep
from monitoring.models import NilReport
from notifications.models import Notice
from opinion_system.errors import DomainError
from tests.factories import report

from .helpers import at, period

pytestmark = pytest.mark.usefixtures("due_at_four")


@pytest.fixture
def due_at_four(settings):
    settings.NIL_REPORT_DUE_TIME = "16:00"
    settings.NIL_REPORT_REMINDER_MINUTES = 120


@pytest.fixture
def national_day(org):
    return period(org, dt.date(2026, 10, 1), dt.date(2026, 10, 8), name="国庆节", kind="holiday")


def sweep_at(moment):
    with time_machine.travel(moment, tick=False):
        return sweep.run_once()


def nil_notices(stage: str) -> set[str]:
    return set(
        Notice.objects.filter(kind=f"nil_report_{stage}", channel=Notice.Channel.IN_APP).values_list(
            "recipient__username", flat=True
        )
    )


def test_the_sweep_opens_a_row_per_department_with_a_liaison(org, national_day):
    assert sweep_at(at(2026, 10, 3, 8, 0)).opened == 2
    rows = NilReport.objects.filter(day=dt.date(2026, 10, 3))
    assert {r.department.name for r in rows} == {"学生处", "人事处"}
    assert {r.due_at for r in rows} == {at(2026, 10, 3, 16, 0)}
    assert sweep_at(at(2026, 10, 3, 8, 1)).opened == 0


def test_no_rows_outside_a_period_or_when_not_required(org):
    period(org, dt.date(2026, 10, 1), dt.date(2026, 10, 8), nil_report_required=False)
    assert sweep_at(at(2026, 10, 3, 8, 0)).opened == 0
    assert sweep_at(at(2026, 10, 9, 8, 0)).opened == 0
    assert not NilReport.objects.exists()


def test_a_reminder_before_the_due_time_once(org, national_day):
    sweep_at(at(2026, 10, 3, 8, 0))
    assert sweep_at(at(2026, 10, 3, 13, 59)).reminded == 0
    assert sweep_at(at(2026, 10, 3, 14, 0)).reminded == 2
    assert sweep_at(at(2026, 10, 3, 14, 1)).reminded == 0
    assert nil_notices("reminder") == {"xsc_liaison", "rsc_liaison"}
    assert Notice.objects.filter(kind="nil_report_reminder", channel="in_app").count() == 2


def test_missing_at_the_due_time_counts_as_missed_and_tells_the_liaison_and_the_office_once(
    org, national_day
):
    sweep_at(at(2026, 10, 3, 8, 0))
    with time_machine.travel(at(2026, 10, 3, 9, 0), tick=False):
        services.nil_report_submit(actor=org.p.rsc_liaison, department=org.rsc)
    assert sweep_at(at(2026, 10, 3, 16, 0)).overdue == 1
    assert sweep_at(at(2026, 10, 3, 16, 1)).overdue == 0
    assert nil_notices("overdue") == {"xsc_liaison", "office_clerk"}
    missed = NilReport.objects.get(department=org.xsc)
    assert missed.status == "缺报" and missed.missed
    kept = NilReport.objects.get(department=org.rsc)
    assert kept.status == "已报送" and not kept.missed


def test_two_sweeps_claiming_the_same_row_send_once(org, national_day):
    sweep_at(at(2026, 10, 3, 8, 0))
    row = NilReport.objects.get(department=org.xsc)
    now = at(2026, 10, 3, 16, 0)
    assert sweep._claim(row, "overdue", now) is True
    assert sweep._claim(row, "overdue", now) is False


def test_one_click_nothing_found(client, org, national_day):
    client.force_login(org.p.xsc_liaison)
    with time_machine.travel(at(2026, 10, 3, 10, 0), tick=False):
        page = client.get(reverse("monitoring:nil_report"))
        assert "报送今日零报告" in page.content.decode()
        response = client.post(reverse("monitoring:nil_report"), {"department": org.xsc.pk}, follow=True)
    assert "本部门今日未发现舆情" in response.content.decode()
    submitted = NilReport.objects.get(department=org.xsc, day=dt.date(2026, 10, 3))
    assert submitted.nothing_found and submitted.submitted_by == org.p.xsc_liaison


def test_the_days_own_reports_are_listed_automatically(org, national_day):
    with time_machine.travel(at(2026, 10, 2, 22, 0), tick=False):
        report(org, title="昨天的")
    with time_machine.travel(at(2026, 10, 3, 9, 0), tick=False):
        filed = report(org, title="宿舍断电")
        submitted = services.nil_report_submit(actor=org.p.xsc_liaison, department=org.xsc)
    assert not submitted.nothing_found
    assert list(submitted.incidents.all()) == [filed]


def test_late_is_recorded_as_late_and_still_a_miss(org, national_day):
    sweep_at(at(2026, 10, 3, 8, 0))
    sweep_at(at(2026, 10, 3, 16, 0))
    with time_machine.travel(at(2026, 10, 3, 17, 0), tick=False):
        late = services.nil_report_submit(actor=org.p.xsc_liaison, department=org.xsc)
    assert late.status == "迟报" and late.missed


def test_only_the_departments_liaison_reports_and_only_once(org, national_day):
    with time_machine.travel(at(2026, 10, 3, 9, 0), tick=False):
        with pytest.raises(DomainError, match="联络员"):
            services.nil_report_submit(actor=org.p.rsc_liaison, department=org.xsc)
        services.nil_report_submit(actor=org.p.xsc_liaison, department=org.xsc)
        with pytest.raises(DomainError, match="已于"):
            services.nil_report_submit(actor=org.p.xsc_liaison, department=org.xsc)


def test_no_report_outside_a_period(org, national_day):
    with time_machine.travel(at(2026, 10, 9, 9, 0), tick=False), pytest.raises(DomainError, match="无需报送"):
        services.nil_report_submit(actor=org.p.xsc_liaison, department=org.xsc)


def test_who_is_not_a_liaison_has_no_nil_report_page(client, org, national_day):
    client.force_login(org.p.xsc_staff)
    with time_machine.travel(at(2026, 10, 3, 9, 0), tick=False):
        assert client.get(reverse("monitoring:nil_report")).status_code == 403


def test_the_menu_offers_nil_report_to_liaisons_during_a_period(client, org, national_day):
    client.force_login(org.p.xsc_liaison)
    with time_machine.travel(at(2026, 10, 3, 9, 0), tick=False):
        assert 'href="/monitoring/nil-report/"' in client.get(reverse("incidents:home")).content.decode()
    with time_machine.travel(at(2026, 10, 9, 9, 0), tick=False):
        assert 'href="/monitoring/nil-report/"' not in client.get(reverse("incidents:home")).content.decode()


# The office's status page: today's rows and 30 days of history, navigation included, whatever the rows.
STATUS_QUERIES = 11


def test_the_office_sees_todays_status_in_a_constant_number_of_queries(client, org, national_day,
                                                                       django_assert_num_queries):  # fmt: skip
    sweep_at(at(2026, 10, 2, 8, 0))
    sweep_at(at(2026, 10, 2, 16, 0))
    sweep_at(at(2026, 10, 3, 8, 0))
    with time_machine.travel(at(2026, 10, 3, 9, 0), tick=False):
        services.nil_report_submit(actor=org.p.xsc_liaison, department=org.xsc)
        client.force_login(org.p.clerk)
        client.get(reverse("monitoring:nil_report_status"))
        with django_assert_num_queries(STATUS_QUERIES):
            page = client.get(reverse("monitoring:nil_report_status")).content.decode()
    assert "已报送" in page and "待报送" in page and "缺报" in page
    sweep_at(at(2026, 10, 1, 8, 0))  # more history, and a report listing an incident
    with time_machine.travel(at(2026, 10, 3, 9, 10), tick=False):
        report(org, title="宿舍断电", reporter=org.p.rsc_liaison)
        services.nil_report_submit(actor=org.p.rsc_liaison, department=org.rsc)
        client.get(reverse("monitoring:nil_report_status"))  # the session notes the new time
        with django_assert_num_queries(STATUS_QUERIES):
            page = client.get(reverse("monitoring:nil_report_status")).content.decode()
    assert "宿舍断电" in page


@override_settings(NIL_REPORT_DUE_TIME="10:00")
def test_a_period_entered_after_the_due_time_asks_from_the_next_day(org):
    with time_machine.travel(at(2026, 10, 3, 11, 0), tick=False):
        services.period_create(actor=org.p.clerk, name="突发敏感期", kind="sensitive",
                               start_date=dt.date(2026, 10, 3), end_date=dt.date(2026, 10, 5))  # fmt: skip
    assert sweep_at(at(2026, 10, 3, 11, 1)).opened == 0
    assert sweep_at(at(2026, 10, 4, 0, 1)).opened == 2


def test_the_management_command_sweeps(org, national_day, capsys):
    with time_machine.travel(at(2026, 10, 3, 8, 0), tick=False):
        call_command("sweep_nil_reports")
    assert "新增应报 2 条" in capsys.readouterr().out
