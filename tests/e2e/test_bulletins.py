"""A 舆情通报 in the browser, each step by the right person and checked on the next one's page (第四条).

office_clerk drafts it from the period's incidents → leader (领导小组) approves → office_clerk issues it
(〔年〕第 1 期) → xsc_liaison opens it from the navigation (未读 before) → office_clerk sees 学生处's receipt:
who opened it and when. Screenshots of each step go to $TEST_ARTIFACTS_DIR (test-artifacts/e2e).
"""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.factories import report

from .test_level2_case import Case

TITLE = "关于近期学生宿舍相关网络舆情的通报"
BODY = "近期我校出现多起涉及学生宿舍的网络舆情，相关部门均已按程序处置。\n请各部门进一步落实属地管理责任，联络员每日关注本部门相关网络信息。"


@pytest.fixture
def case(request, browser, live_server, artifacts_dir):
    case = Case(browser, live_server.url, artifacts_dir)
    yield case
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for who, page in case.pages.items():
            if not page.is_closed():
                page.screenshot(path=str(artifacts_dir / f"FAILED-bulletin-{who}.png"), full_page=True)


@pytest.fixture
def incident(org):
    """Made before the browser starts (no database work while Playwright's loop runs)."""
    return report(org, title="学生反映宿舍热水器坏了一周无人维修")


def open_bulletins(page) -> None:
    page.locator("#nav-handle").click()  # 办理: the menu of what is worked on
    page.locator("nav.navbar").get_by_role("link", name="舆情通报").click()
    expect(page.locator("h1")).to_have_text("舆情通报（第四条）")


@pytest.mark.django_db(transaction=True)
def test_a_bulletin_is_drafted_approved_issued_and_read(incident, case):
    year = timezone.localdate().year

    # 1. The office drafts it: the period's figures and incidents are on the form.
    clerk = case.login("office_clerk")
    open_bulletins(clerk)
    clerk.get_by_role("link", name="拟稿").click()
    expect(clerk.locator("#bulletin-figures")).to_contain_text("共受理网络舆情 1 起")
    form = clerk.locator("#bulletin-form")
    form.locator("#id_title").fill(TITLE)
    form.locator("#id_body").fill(BODY)
    form.get_by_label(f"{incident.number} {incident.title}").check()
    expect(form.get_by_label("学生处")).to_be_checked()  # every department by default
    case.shot(clerk, "bulletin-1-draft-form.png")
    form.get_by_role("button", name="保存草稿").click()
    expect(clerk.locator("#bulletin-status")).to_have_text("草稿")
    clerk.get_by_role("button", name="送审").click()
    expect(clerk.locator("#bulletin-status")).to_have_text("待审批")
    expect(clerk.get_by_role("button", name="批准")).to_have_count(0)  # the office does not approve
    detail_url = clerk.url

    # 2. A member of the leadership group approves.
    leader = case.login("leader")
    open_bulletins(leader)
    leader.get_by_role("link", name=TITLE).click()
    case.shot(leader, "bulletin-2-leader-approves.png")
    leader.get_by_role("button", name="批准").click()
    expect(leader.locator("#bulletin-status")).to_have_text("已批准")

    # 3. The office issues it: the year's first number.
    clerk.goto(detail_url)
    clerk.get_by_role("button", name="印发").click()
    expect(clerk.locator("#bulletin-status")).to_have_text("已印发")
    expect(clerk.locator("h1")).to_contain_text(f"〔{year}〕第 1 期")
    expect(clerk.locator("#bulletin-receipts")).to_contain_text("学生处")
    case.shot(clerk, "bulletin-3-issued.png")

    # 4. 学生处's liaison finds it unread in the list and opens it; the incident is named, not linked.
    liaison = case.login("xsc_liaison")
    open_bulletins(liaison)
    row = liaison.locator("#bulletin-list tr", has_text=TITLE)
    expect(row).to_contain_text("未读")
    row.get_by_role("link", name=TITLE).click()
    expect(liaison.locator("#bulletin-incidents")).to_contain_text(f"{incident.number} {incident.title}")
    expect(liaison.locator("#bulletin-body")).to_contain_text("落实属地管理责任")
    expect(liaison.locator("#bulletin-receipts")).to_have_count(0)  # the receipts are the office's
    case.shot(liaison, "bulletin-4-liaison-reads.png")

    # 5. The office sees 学生处's receipt: who opened it and when; 人事处 still unread.
    clerk.goto(detail_url)
    receipts = clerk.locator("#bulletin-receipts")
    expect(receipts.locator("tr", has_text="学生处")).to_contain_text("xsc_liaison")
    expect(receipts.locator("tr", has_text="人事处")).to_contain_text("未读")
    case.shot(clerk, "bulletin-5-office-sees-receipt.png")
    assert not case.problems, case.problems
