"""The bell's page on a phone (390×844) and on a desk (1366×768): never wider than the screen, every button a
finger's size, 全部标为已读 empties the bell. Screenshots go to $TEST_ARTIFACTS_DIR (test-artifacts/e2e)."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from notifications.models import Notice
from tests.factories import report

from .conftest import TIMEOUT_MS

KEYS = itertools.count()
LONG = "学生在微博、抖音、小红书等多个平台连续发帖反映东区宿舍热水器长期故障无人维修" * 3


@pytest.fixture
def notices(org):
    """The office clerk's notices about two cases with long titles and about no case, made before the browser."""
    cases = [report(org, title=LONG[:190]), report(org, title="食堂饭菜涨价引发学生吐槽")]
    Notice.objects.all().delete()
    now = timezone.now()
    for n in range(14):
        Notice.objects.create(
            recipient=org.p.clerk,
            kind=["level_alert", "progress_reported", "meeting_convened"][n % 3],
            incident=None if n % 3 == 2 else cases[n % 2],
            subject=f"互通信息：{LONG[: 40 + n]}",
            text=LONG,
            dedupe_key=f"e2e-notices:{next(KEYS)}",
            created_at=now - dt.timedelta(minutes=n),
            sent_at=now - dt.timedelta(minutes=n),
        )
    return cases


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width,height", [(390, 844), (1366, 768)])
def test_the_notices_page_fits_the_screen_and_reads_all(notices, browser: Browser, live_server, artifacts_dir,
                                                       width, height):  # fmt: skip
    context = browser.new_context(
        base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai",
        viewport={"width": width, "height": height},
    )  # fmt: skip
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.locator("#id_username").fill("office_clerk")
    page.locator("#id_password").fill("pw")
    page.get_by_role("button", name="登录").click()
    page.goto("/notices/")
    expect(page.locator("section.notice-group")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=artifacts_dir / f"notices-{width}.png", full_page=True)
    controls = page.locator("main button, main .nav-link, main select, main .page-link")
    heights = [
        box["height"] for box in (controls.nth(i).bounding_box() for i in range(controls.count())) if box
    ]
    assert heights and min(heights) >= 44, heights
    page.locator("main select[name=kind]").select_option("meeting_convened")
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("section.notice-group")).to_have_count(1)
    page.goto("/notices/")
    page.get_by_role("button", name="全部标为已读").click()
    expect(page.get_by_text("没有未读通知")).to_be_visible()
    expect(page.locator("a.bell .badge")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()
