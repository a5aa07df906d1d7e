"""The leaders' dashboard in the browser: a leader signs in, opens 领导驾驶舱, changes the period to last year, clicks
人事处's bar in the department chart and lands on the incident list of exactly those incidents. Screenshots at
1366×768 and 390×844 go to $TEST_ARTIFACTS_DIR (test-artifacts/e2e); on a phone the page never scrolls sideways
and the charts stack; nothing is blocked by the Content-Security-Policy."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.dashboard.cases import BEIJING, moved
from tests.factories import assessed

from .conftest import TIMEOUT_MS
from .test_csp import COLLECT_VIOLATIONS


@pytest.fixture
def incidents(org):
    """This year two cases of 学生处 and one of 人事处; last year two of 人事处 and one of 学生处."""
    this_year = timezone.localdate().year
    last = this_year - 1
    made = {"rsc_last_year": [], "this_year": []}
    for month in (3, 7):
        made["rsc_last_year"].append(
            moved(
                assessed(org, level=3, category="C", department=org.rsc),
                reported=dt.datetime(last, month, 15, 9, tzinfo=BEIJING),
            )
        )
    moved(assessed(org, level=2, category="B"), reported=dt.datetime(last, 11, 2, 9, tzinfo=BEIJING))
    for _ in range(2):
        made["this_year"].append(assessed(org, level=3, category="C"))
    made["this_year"].append(assessed(org, level=3, category="D", department=org.rsc))
    made["years"] = (this_year, last)
    return made


def open_as_leader(browser, base_url: str, width: int, height: int) -> tuple[Page, list[str]]:
    context = browser.new_context(
        base_url=base_url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": width, "height": height},
        reduced_motion="reduce",  # the charts are drawn at once, without their animation
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(COLLECT_VIOLATIONS)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"JavaScript error: {exc}"))
    page.on(
        "console",
        lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None,
    )
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}") if "/static/" in r.url and r.status >= 400 else None,
    )
    page.goto("/accounts/login/?next=/dashboard/")
    page.locator("#id_username").fill("leader")
    page.locator("#id_password").fill("pw")
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    wait_for_charts(page)
    return page, problems


def wait_for_charts(page: Page) -> None:
    page.wait_for_load_state("load")
    page.wait_for_function("document.querySelectorAll('[data-chart]:not([data-ready])').length === 0")


def violations(page: Page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def bar_point(page: Page, chart_id: str, label: str) -> tuple[float, float]:
    """Where in the window the middle of the bar named `label` is drawn (a horizontal bar chart, one series)."""
    page.locator(f"#{chart_id}").scroll_into_view_if_needed()
    x, y = page.evaluate(
        """([id, label]) => {
            const node = document.getElementById(id);
            const chart = echarts.getInstanceByDom(node);
            const option = chart.getOption();
            const index = option.yAxis[0].data.indexOf(label);
            const value = option.series[0].data[index].value;
            const [x, y] = chart.convertToPixel({seriesIndex: 0}, [value / 2, index]);
            const box = node.getBoundingClientRect();
            return [box.left + x, box.top + y];
        }""",
        [chart_id, label],
    )
    return x, y


def test_a_leader_changes_the_period_and_clicks_through_to_the_matching_list(
    incidents, browser, live_server, org, artifacts_dir
):
    this_year, last = incidents["years"]
    page, problems = open_as_leader(browser, live_server.url, 1366, 768)
    expect(page.locator("h1")).to_contain_text("领导驾驶舱")
    expect(page.locator("#period-label")).to_have_text(f"{this_year} 年")
    expect(page.locator('[data-figure="total"]')).to_have_text("3")
    page.screenshot(path=str(artifacts_dir / "dashboard-1366x768.png"), full_page=False)

    # The period: last year. The form shows the year field once 某一年 is chosen.
    expect(page.locator('[data-period-field="year"]')).to_be_hidden()
    page.locator("#id_kind").select_option("year")
    page.locator("#id_year").fill(str(last))
    with page.expect_navigation():
        page.get_by_role("button", name="查看").click()
    wait_for_charts(page)
    expect(page.locator("#period-label")).to_have_text(f"{last} 年")
    expect(page.locator('[data-figure="total"]')).to_have_text("3")
    expect(page.locator("#table-departments tbody tr").first).to_contain_text("人事处")

    # A click on 人事处's bar: the list of exactly its two incidents of last year.
    x, y = bar_point(page, "chart-departments", "人事处")
    with page.expect_navigation():
        page.mouse.click(x, y)
    expect(page).to_have_url(
        re.compile(rf"/incidents/\?.*reported_after={last}-01-01.*responsible_department={org.rsc.pk}")
    )
    expect(page.locator("#results")).to_contain_text("共 2 条")
    numbers = page.locator("#results tbody tr td:first-child a").all_inner_texts()
    assert sorted(numbers) == sorted(i.number for i in incidents["rsc_last_year"])
    expect(page.locator("#f-responsible_department")).to_have_value(str(org.rsc.pk))
    expect(page.locator("#f-reported_after")).to_have_value(f"{last}-01-01")
    assert violations(page) == [] and problems == [], problems

    # The print layout: no navigation, charts drawn (as SVG) for an A4 column.
    page.goto(f"/dashboard/?kind=year&year={last}&print=1")
    wait_for_charts(page)
    assert page.locator("nav.navbar").count() == 0 and page.locator("#period-form").count() == 0
    expect(page.locator("#chart-trend svg")).to_have_count(1)
    page.screenshot(path=str(artifacts_dir / "dashboard-print.png"), full_page=True)
    assert violations(page) == [] and problems == [], problems

    # On a phone: the charts stack, nothing scrolls sideways, the tables scroll inside their own boxes.
    phone, phone_problems = open_as_leader(browser, live_server.url, 390, 844)
    widths = phone.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth,"
        " ...['chart-trend', 'chart-category-level'].map(id => document.getElementById(id).getBoundingClientRect().top)]"
    )
    assert widths[0] <= widths[1] == 390, f"the page scrolls sideways: {widths[0]} > {widths[1]}"
    assert widths[3] > widths[2] + 200, "the charts are stacked, not side by side"
    phone.screenshot(path=str(artifacts_dir / "dashboard-390x844.png"), full_page=False)
    phone.screenshot(path=str(artifacts_dir / "dashboard-390x844-full.png"), full_page=True)

    # The print layout on a phone's screen: its tables scroll in their own boxes, the page does not.
    phone.goto(f"/dashboard/?kind=year&year={last}&print=1")
    wait_for_charts(phone)
    widths = phone.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1] == 390, f"the print layout scrolls sideways: {widths[0]} > {widths[1]}"

    assert violations(phone) == [] and phone_problems == [], phone_problems
