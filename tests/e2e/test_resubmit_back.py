"""Back after sending a progress report, then sending the same page again, stores nothing twice."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from playwright.sync_api import expect

from incidents.models import ProgressReport
from tests.factories import assessed

from .conftest import TIMEOUT_MS

CONTENT = "已联系后勤处核实：东区锅炉检修，今日 18:00 前恢复供水。"


def stored_reports(incident) -> int:
    """Counted in a thread of its own: the database refuses work in Playwright's event loop."""

    def count():
        try:
            return ProgressReport.objects.filter(incident=incident).count()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(count).result()


@pytest.fixture
def incident(org):
    return assessed(org, level=2)


def send_progress(page, text: str | None) -> None:
    """Open 报送互通信息, type the text (None: keep what the browser put back) and send it."""
    page.wait_for_load_state("load")
    form = page.locator('form[data-action="progress"]')
    if not form.is_visible():
        page.locator('#actions .accordion-button[data-bs-target="#act-progress"]').click()
    expect(form).to_be_visible()
    if text is not None:
        form.locator("textarea").fill(text)
    with page.expect_navigation():
        form.get_by_role("button", name="提交").click()


@pytest.mark.django_db(transaction=True)
def test_back_then_send_again_stores_one_progress_report(incident, browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", reduced_motion="reduce")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.locator("#id_username").fill("xsc_liaison")
    page.locator("#id_password").fill("pw")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("load")
    page.goto(f"/incidents/{incident.pk}/")
    send_progress(page, CONTENT)
    expect(page.locator(".alert-success")).to_contain_text("互通信息已报送")

    # Back: the page is fetched again with fresh tokens, and Chromium puts the typed text back.
    page.go_back()
    page.wait_for_load_state("load")
    expect(page.locator('form[data-action="progress"] textarea')).to_have_value(CONTENT)
    send_progress(page, None)
    expect(page.locator(".alert-warning")).to_contain_text("这张表单已经提交过，未重复登记。")
    assert stored_reports(incident) == 1

    # Back again and a different text: a new report, sent as such.
    page.go_back()
    send_progress(page, CONTENT + "补充：已恢复供水。")
    expect(page.locator(".alert-success")).to_contain_text("互通信息已报送")
    assert stored_reports(incident) == 2
    context.close()
