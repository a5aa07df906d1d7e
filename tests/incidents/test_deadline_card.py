"""The 时限 card (第十条): each open deadline once, the closed ones folded, the exchange's cadence spelled out, and
which Beijing day the current daily report covers — a report sent today counts for today, visibly."""

import datetime as dt
from zoneinfo import ZoneInfo

import lxml.html
import time_machine
from django.urls import reverse

from incidents import services
from incidents.models import Deadline
from tests.factories import assessed

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAILY, RTC = Deadline.Kind.DAILY_EXCHANGE, Deadline.Kind.ROUND_THE_CLOCK


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def card(client, user, incident) -> lxml.html.HtmlElement:
    client.force_login(user)
    response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert response.status_code == 200
    return lxml.html.fromstring(response.content.decode()).get_element_by_id("deadline-card")


def text_of(element, id_: str) -> str:
    return " ".join(element.xpath(f".//*[@id='{id_}']")[0].text_content().split())


def open_rows(element, kind: str) -> list:
    return element.xpath(f".//*[@id='deadlines-open']/li[@data-deadline='{kind}']")


def report_progress(org, incident, content="进展") -> None:
    services.progress_report_add(incident=incident, actor=org.p.xsc_liaison, content=content)


def test_at_level_1_the_card_shows_the_open_exchange_once_after_several_reports(client, org, settings):
    with time_machine.travel(at(2026, 5, 10, 9, 0), tick=False):
        incident = assessed(org, level=1, category="E")
    for minute in range(1, 6):  # five reports in minutes, each closes one deadline and opens the next
        with time_machine.travel(at(2026, 5, 10, 9, minute), tick=False):
            report_progress(org, incident, f"第{minute}次进展")
    assert Deadline.objects.filter(incident=incident, kind=RTC).count() == 6
    with time_machine.travel(at(2026, 5, 10, 9, 10), tick=False):
        element = card(client, org.p.xsc_liaison, incident)
    (row,) = open_rows(element, RTC)
    hours = settings.LEVEL1_REPORT_INTERVAL_HOURS
    assert f"截止 05-10 {9 + hours:02d}:05" in row.text_content()
    # Every open deadline once: the exchange and the four level-1 duties, nothing closed among them.
    kinds = [li.get("data-deadline") for li in element.xpath(".//*[@id='deadlines-open']/li")]
    assert len(kinds) == len(set(kinds)) == 5
    history = element.xpath(".//details[@id='deadlines-history']")[0]
    assert " ".join(history.xpath("./summary")[0].text_content().split()) == "历史时限（5）"
    assert history.text_content().count("按时完成") == 5
    rule = text_of(element, "exchange-rule")
    assert "24 小时互通信息" in rule and f"不超过 {hours} 小时" in rule and "夜间" in rule
    assert f"首次截止 05-10 {9 + hours:02d}:00" in rule
    assert text_of(element, "exchange-status") == "最近一次报送 05-10 09:05 ✓，本时段已报送"


def test_at_level_2_the_card_spells_out_the_daily_cadence_and_its_first_deadline(client, org):
    with time_machine.travel(at(2026, 5, 11, 9, 30), tick=False):
        incident = assessed(org, level=2)
        element = card(client, org.p.xsc_liaison, incident)
    rule = text_of(element, "exchange-rule")
    assert "每个自然日（北京时间 0:00–24:00）报送一次互通信息" in rule
    assert "当天报送即计入当天" in rule
    assert "首次截止 5月12日（周二） 24:00" in rule
    assert "开始当日 5月11日（周一） 由第一时间报告覆盖" in rule
    (row,) = open_rows(element, DAILY)
    assert "每日互通信息（二级）：截止 5月12日（周二） 24:00" in " ".join(row.text_content().split())


def test_a_case_assessed_at_1801_shows_that_the_evening_report_covers_today(client, org):
    """The issue's case: assessed at 18:01, first deadline at 00:00 the day after tomorrow; a report sent that
    evening must show as today's, and the card says which day is asked for next."""
    with time_machine.travel(at(2026, 5, 10, 18, 1), tick=False):
        incident = assessed(org, level=2)
        element = card(client, org.p.xsc_liaison, incident)
    assert text_of(element, "exchange-status").startswith(
        "今日 5月10日（周日） 为开始当日，已由第一时间报告覆盖"
    )
    assert (
        text_of(element, "exchange-next")
        == "下一次：明日 5月11日（周一） 的互通信息，截止 5月11日（周一） 24:00"
    )

    with time_machine.travel(at(2026, 5, 10, 20, 15), tick=False):
        report_progress(org, incident, "当晚进展")
        element = card(client, org.p.xsc_liaison, incident)
    status = element.xpath(".//*[@id='exchange-status']")[0]
    assert " ".join(status.text_content().split()) == "今日 5月10日（周日） 已报送 ✓（20:15）"
    assert "text-success" in status.get("class")
    assert (
        text_of(element, "exchange-next")
        == "下一次：明日 5月11日（周一） 的互通信息，截止 5月11日（周一） 24:00"
    )
    assert len(open_rows(element, DAILY)) == 1

    # The next morning nothing is in yet for the 11th: the card says so, with today's deadline.
    with time_machine.travel(at(2026, 5, 11, 9, 0), tick=False):
        element = card(client, org.p.xsc_liaison, incident)
    status = element.xpath(".//*[@id='exchange-status']")[0]
    assert " ".join(status.text_content().split()) == "今日 5月11日（周一） 尚未报送，须在今日 24:00 前报送"
    assert "text-danger" in status.get("class")
    assert (
        text_of(element, "exchange-next")
        == "下一次：今日 5月11日（周一） 的互通信息，截止 5月11日（周一） 24:00"
    )

    # The 11th's report meets it; the card moves on to the 12th and keeps one open row.
    with time_machine.travel(at(2026, 5, 11, 10, 0), tick=False):
        report_progress(org, incident, "次日进展")
        element = card(client, org.p.xsc_liaison, incident)
    assert text_of(element, "exchange-status") == "今日 5月11日（周一） 已报送 ✓（10:00）"
    assert (
        text_of(element, "exchange-next")
        == "下一次：明日 5月12日（周二） 的互通信息，截止 5月12日（周二） 24:00"
    )
    assert len(open_rows(element, DAILY)) == 1
    assert "历史时限（1）" in element.xpath(".//details/summary")[0].text_content()


def test_an_overdue_daily_report_is_named_by_its_day(client, org):
    with time_machine.travel(at(2026, 5, 10, 9, 0), tick=False):
        incident = assessed(org, level=2)
    with time_machine.travel(at(2026, 5, 12, 8, 0), tick=False):
        element = card(client, org.p.xsc_liaison, incident)
    assert (
        text_of(element, "exchange-next")
        == "待补报：5月11日（周一） 的互通信息，截止 5月11日（周一） 24:00（已逾期）"
    )
    assert "今日 5月12日（周二） 尚未报送" in text_of(element, "exchange-status")
    assert "overdue" in open_rows(element, DAILY)[0].xpath(".//span[@data-due]")[0].get("class")


def test_after_the_disposal_the_exchange_is_history_and_no_cadence_is_shown(client, org):
    from tests.factories import approved_statement

    with time_machine.travel(at(2026, 5, 10, 9, 0), tick=False):
        incident = assessed(org, level=2)
        approved_statement(org, incident)
    with time_machine.travel(at(2026, 5, 11, 9, 0), tick=False):
        services.disposal_end(incident=incident, actor=org.p.xsc_liaison)
        element = card(client, org.p.xsc_liaison, incident)
    assert not element.xpath(".//*[@id='exchange-cadence']")
    assert not open_rows(element, DAILY)
    assert "已撤销" in element.xpath(".//details")[0].text_content()


def level_one_with_reports(org, reports: int):
    """A level-1 case, then a level-2 stretch and level 1 again (the exchange's run restarts), then `reports`
    progress reports a minute apart: each closes the round-the-clock deadline and opens the next."""
    with time_machine.travel(at(2026, 5, 10, 9, 0), tick=False):
        incident = assessed(org, level=1, category="E")
    with time_machine.travel(at(2026, 5, 10, 9, 30), tick=False):
        services.incident_change_level(incident=incident, actor=org.p.clerk, to_level=2, reason="降温")
    with time_machine.travel(at(2026, 5, 10, 10, 0), tick=False):
        services.incident_change_level(incident=incident, actor=org.p.clerk, to_level=1, reason="再起")
    for minute in range(1, reports + 1):
        with time_machine.travel(at(2026, 5, 10, 10, minute), tick=False):
            report_progress(org, incident, f"第{minute}次进展")
    return incident


def test_a_long_level_1_case_lists_its_latest_closed_deadlines_and_counts_the_rest(client, org, settings):
    """The page does not grow with the case: a fortnight at level 1 closes some 84 exchange deadlines."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    short, long = level_one_with_reports(org, 3), level_one_with_reports(org, 25)
    closed = Deadline.objects.filter(incident=long).exclude(state=Deadline.State.OPEN)
    exchange_closed = closed.filter(kind__in=(DAILY, RTC)).count()
    assert exchange_closed == 27  # 25 reports, and the first run's deadline and the level-2 one made moot
    with time_machine.travel(at(2026, 5, 10, 10, 40), tick=False):
        element = card(client, org.p.clerk, long)
        history = element.xpath(".//details[@id='deadlines-history']")[0]
        summary = " ".join(history.xpath("./summary")[0].text_content().split())
        assert summary == f"历史时限（{closed.count()}）"
        listed = history.xpath("./ul/li[not(@id)]")
        assert len(listed) == closed.count() - (exchange_closed - 10)  # 10 exchange ones and every other kind
        assert text_of(element, "deadlines-earlier").startswith(f"更早的 {exchange_closed - 10} 条")
        # 首次截止 is still the first deadline of the current run (level 1 again at 10:00), not of the first run.
        hours = settings.LEVEL1_REPORT_INTERVAL_HOURS
        assert f"首次截止 05-10 {10 + hours:02d}:00" in text_of(element, "exchange-rule")
        assert text_of(element, "exchange-status") == "最近一次报送 05-10 10:25 ✓，本时段已报送"

        def queries(incident) -> int:
            client.get(reverse("incidents:detail", args=[incident.pk]))
            with CaptureQueriesContext(connection) as captured:
                client.get(reverse("incidents:detail", args=[incident.pk]))
            return len(captured)

        # The short case's history is whole; the long one's first run deadline costs one lookup of two queries.
        assert queries(long) == queries(short) + 2
