"""The Content-Security-Policy in the real browser: nothing on the main pages is blocked, and htmx still works.

Every console message and every `securitypolicyviolation` event is collected on each page; a blocked inline
script, style or eval shows up in both. The policy itself is tested without a browser in
tests/test_security_headers.py.
"""

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import Browser, Page, expect

from incidents.models import Incident
from reports.models import Dossier
from tests.factories import archived, assessed

from .conftest import TIMEOUT_MS

# Added to every page before its own scripts run: the browser's own report of each blocked resource or script.
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
    + ` at ${event.sourceFile}:${event.lineNumber} ${event.sample || ""}`);
});
"""


class Watched:
    """One person's browser page, with what its console said and what the policy blocked."""

    def __init__(self, browser: Browser, base_url: str):
        self.context = browser.new_context(base_url=base_url, locale="zh-CN", timezone_id="Asia/Shanghai")
        self.context.set_default_timeout(TIMEOUT_MS)
        self.context.add_init_script(COLLECT_VIOLATIONS)
        self.page: Page = self.context.new_page()
        self.console: list[str] = []
        self.violations: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda exc: self.console.append(f"pageerror: {exc}"))

    def _on_console(self, message) -> None:
        # Chromium's own notes ("Autofocus processing was blocked …" on the admin's login) are not problems; the
        # admin's pages link no icon, so the browser asks for /favicon.ico and logs its 404.
        if message.type in ("error", "warning") and not message.location.get("url", "").endswith(
            "/favicon.ico"
        ):
            self.console.append(f"{message.type}: {message.text} ({message.location.get('url')})")

    def collect(self) -> None:
        """Keep the violations reported on the page shown now (they are lost when it is left)."""
        self.violations += self.page.evaluate("window.__cspViolations || []")

    def visit(self, path: str) -> Page:
        self.collect()
        response = self.page.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        assert "content-security-policy" in response.headers, f"{path}: no Content-Security-Policy"
        self.page.wait_for_load_state("load")
        return self.page

    def login(self, username: str, password: str, path: str = "/accounts/login/") -> None:
        self.page.goto(path)
        self.page.locator("#id_username").fill(username)
        self.page.locator("#id_password").fill(password)
        with self.page.expect_navigation():
            self.page.locator("form [type=submit]").click()

    def assert_clean(self) -> None:
        self.collect()
        assert self.violations == [], "\n".join(self.violations)
        assert self.console == [], "\n".join(self.console)


@pytest.fixture
def watched(browser, live_server):
    opened: list[Watched] = []

    def open_page() -> Watched:
        opened.append(Watched(browser, live_server.url))
        return opened[-1]

    yield open_page
    for each in opened:
        each.context.close()


@pytest.fixture
def cases(org) -> SimpleNamespace:
    """Made before the browser starts: Django refuses database work while Playwright's loop runs."""
    open_case = assessed(org, level=2)  # deadlines: the countdown script has something to count
    done = archived(org)
    Dossier.objects.filter(incident=done).update(status="running", progress=40)  # the card's progress bar
    return SimpleNamespace(open=open_case, archived=done, total=Incident.objects.count())


@pytest.mark.django_db(transaction=True)
def test_the_office_pages_run_under_the_policy_with_nothing_blocked(cases, watched):
    open_case, done = cases.open, cases.archived
    office = watched()
    office.login("office_clerk", "pw")
    expect(office.page.locator("h1")).to_contain_text("您好，office_clerk")

    page = office.visit("/")
    assert page.evaluate("typeof window.bootstrap") == "object" and page.evaluate("typeof htmx") == "object"

    # The list's filter goes through htmx: the table is replaced, the page is not reloaded.
    page = office.visit("/incidents/")
    page.evaluate("window.__sameDocument = true")
    expect(page.locator("#results tbody tr")).to_have_count(cases.total)
    with page.expect_response(re.compile(r"/incidents/\?.*status=archived")) as answer:
        page.locator("#f-status").select_option("archived")
    assert answer.value.request.headers.get("hx-request") == "true"
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results")).to_contain_text(done.number)
    assert page.evaluate("window.__sameDocument === true"), "the filter reloaded the whole page"
    expect(page).to_have_url(re.compile(r"status=archived"))

    # The detail page: the countdowns are written by static/js/app.js, the Bootstrap accordion opens.
    page = office.visit(f"/incidents/{open_case.pk}/")
    expect(page.locator("[data-due]").first).to_have_text(re.compile(r"^(剩余|已逾期) "))
    header = page.locator("#actions .accordion-button").first
    header.click()
    expect(page.locator(header.get_attribute("data-bs-target"))).to_have_class(re.compile(r"\bshow\b"))

    # An archived incident: the 工作档案 card is loaded by htmx and shows its progress bar at 40 %.
    page = office.visit(f"/incidents/{done.pk}/")
    bar = page.locator("#dossier-card .progress-bar")
    expect(bar).to_have_text("40%")
    width = bar.evaluate(
        "el => el.getBoundingClientRect().width / el.parentElement.getBoundingClientRect().width"
    )
    assert 0.35 < width < 0.45, f"progress bar drawn at {width:.0%} instead of 40%"

    office.visit("/notices/")
    office.visit("/reports/archive/")
    office.assert_clean()


@pytest.mark.django_db(transaction=True)
def test_the_admin_runs_under_the_policy_with_nothing_blocked(cases, watched):
    incident = cases.open
    admin = watched()
    admin.login("root", "x", "/admin/login/")
    expect(admin.page.locator("#site-name")).to_be_visible()
    admin.visit("/admin/")
    admin.visit("/admin/incidents/incident/")
    admin.visit(f"/admin/incidents/incident/{incident.pk}/change/")
    admin.visit(f"/admin/incidents/incident/{incident.pk}/history/")
    admin.visit("/admin/departments/user/add/")
    admin.assert_clean()
