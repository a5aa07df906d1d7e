"""联席会议 in the browser (第四条): the office convenes a meeting on a level-2 case, records the minutes with a
decision, a 处置方案 and a risk item; the decision shows on the case's page; the risk's owner marks it done.
Screenshots of each page go to $TEST_ARTIFACTS_DIR (test-artifacts/e2e by default)."""

import datetime as dt
import re
import zoneinfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.factories import assessed

from .conftest import TIMEOUT_MS

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TITLE = "2026 年第 2 次网络舆情联席会议"
DECISION = "维持二级响应，学生处牵头核实并当日回应。"
PLAN = "一、今日内核实；二、经党政办审定后发布情况说明；三、每日报告进展。"
RISK = "排查东区宿舍热水设施，防止同类舆情再发"
MINUTES = "会议研判了宿舍热水舆情，认为总体可控，要求学生处及时回应关切。"


def sign_in(browser: Browser, base_url: str, username: str, problems: list[str]) -> Page:
    context = browser.new_context(
        base_url=base_url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.on("pageerror", lambda exc: problems.append(f"{username}: JavaScript error {exc}"))
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill("pw")
    page.get_by_role("button", name="登录").click()
    expect(page.locator("h1")).to_contain_text(f"您好，{username}")
    return page


@pytest.fixture
def incident(org):
    """The case on the agenda, made before the browser and the live server start."""
    return assessed(org, level=2)


@pytest.mark.django_db(transaction=True)
def test_the_office_convenes_minutes_a_decision_and_the_case_shows_it(
    incident, org, browser, live_server, artifacts_dir
):
    problems: list[str] = []
    office = sign_in(browser, live_server.url, "office_clerk", problems)

    # 1. 召集: from the navigation, with the case on the agenda and the people who attend.
    office.locator("#nav-handle").click()  # 办理: the menu of what is worked on
    office.locator("nav").get_by_role("link", name="联席会议").click()
    expect(office.locator("h1")).to_contain_text("联席会议")
    office.locator("#convene").click()
    office.locator("#id_kind").select_option("joint")
    office.locator("#id_title").fill(TITLE)
    held = dt.datetime.now(SHANGHAI) - dt.timedelta(hours=1)
    office.locator("#id_held_at").fill(f"{held:%Y-%m-%dT%H:%M}")
    office.locator("#id_place").fill("行政楼三楼第一会议室")
    office.locator("#id_attendees").select_option([str(org.p.leader.pk), str(org.p.xsc_head.pk)])
    office.locator("#id_agenda").fill("研判近期重点舆情，排查风险隐患")
    office.locator("#id_incident_numbers").fill(incident.number)
    office.screenshot(path=str(artifacts_dir / "meeting-1-convene.png"), full_page=True)
    office.get_by_role("button", name="召集并通知参会人员").click()
    expect(office.locator("h1")).to_contain_text(TITLE)
    expect(office.locator("#meeting-status")).to_have_text("已召集")
    expect(office.locator("#meeting-incidents")).to_contain_text(incident.number)
    office.screenshot(path=str(artifacts_dir / "meeting-2-convened.png"), full_page=True)
    meeting_url = office.url

    # 2. 纪要: a decision and a 处置方案 for the case, one risk item for 学生处's head.
    office.locator("#record-minutes").click()
    office.locator("#id_minutes").fill(MINUTES)
    office.locator("#id_decisions-0-decision").fill(DECISION)
    office.locator("#id_decisions-0-plan").fill(PLAN)
    office.locator("#id_risks-0-description").fill(RISK)
    office.locator("#id_risks-0-owner").select_option(str(org.p.xsc_head.pk))
    due = dt.datetime.now(SHANGHAI).date() + dt.timedelta(days=3)
    office.locator("#id_risks-0-due_on").fill(f"{due:%Y-%m-%d}")
    office.screenshot(path=str(artifacts_dir / "meeting-3-minutes-form.png"), full_page=True)
    office.get_by_role("button", name="登记纪要").click()
    expect(office.locator("#meeting-status")).to_have_text("已召开")
    expect(office.locator("#decisions")).to_contain_text(DECISION)
    expect(office.locator("#risks")).to_contain_text(RISK)
    expect(office.locator("#minutes-pdf")).to_be_visible()
    office.screenshot(path=str(artifacts_dir / "meeting-4-held.png"), full_page=True)

    # 3. The case's own page shows what the meeting decided, to the department that handles it.
    liaison = sign_in(browser, live_server.url, "xsc_liaison", problems)
    liaison.goto(f"/incidents/{incident.pk}/")
    section = liaison.locator("#joint-decisions")
    expect(section).to_contain_text(TITLE)
    expect(section).to_contain_text(DECISION)
    expect(section).to_contain_text(PLAN)
    liaison.screenshot(path=str(artifacts_dir / "meeting-5-incident-decision.png"), full_page=True)

    # 4. The risk's owner finds it under 我的排查事项 and marks it done; the office sees it done.
    head = sign_in(browser, live_server.url, "xsc_head", problems)
    head.goto("/meetings/risks/")
    row = head.locator("#my-risks tr", has_text=RISK)
    row.get_by_label("完成情况").fill("已排查，设施已检修")
    row.get_by_role("button", name="办结").click()
    expect(head.locator("#my-risks")).to_contain_text("已办结")
    head.screenshot(path=str(artifacts_dir / "meeting-6-risk-done.png"), full_page=True)
    office.goto(meeting_url)
    expect(office.locator("#risks")).to_contain_text("已办结")
    assert re.search(r"/meetings/\d+/$", meeting_url)
    assert not problems, problems
