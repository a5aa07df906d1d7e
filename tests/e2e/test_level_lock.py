"""研判 in the browser: A类 selects and locks 一级 (第十条), and the locked level is still sent."""

import pytest
from playwright.sync_api import expect

from tests.factories import report

from .conftest import TIMEOUT_MS


@pytest.fixture
def incident(org):
    return report(org), org.p.clerk.username


@pytest.mark.django_db(transaction=True)
def test_category_a_selects_and_locks_level_one(incident, browser, live_server):
    incident, clerk = incident
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", reduced_motion="reduce")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(clerk)
    page.locator("#id_password").fill("pw")
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("load")
    page.goto(f"/incidents/{incident.pk}/")
    page.wait_for_load_state("load")
    page.locator('#actions .accordion-button[data-bs-target="#act-assess"]').click()
    form = page.locator('form[data-action="assess"]')
    expect(form).to_be_visible()
    category, level = form.locator('select[name="category"]'), form.locator('select[name="level"]')

    category.select_option("C")
    level.select_option("3")
    expect(level.locator("option:disabled")).to_have_count(0)
    category.select_option("A")
    expect(level).to_have_value("1")
    expect(level.locator("option:disabled")).to_have_count(2)
    expect(form).to_contain_text("级别已锁定")
    category.select_option("B")  # a category without a demanded level frees the choice again
    expect(level.locator("option:disabled")).to_have_count(0)
    category.select_option("A")
    form.locator('select[name="responsible_department"]').select_option(label="学生处")
    with page.expect_navigation():
        form.get_by_role("button", name="提交").click()
    expect(page.locator(".alert-success")).to_contain_text("已完成研判")  # the locked select was sent
    expect(page.locator("main")).to_contain_text("一级")
    context.close()
