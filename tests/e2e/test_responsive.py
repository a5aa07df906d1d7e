"""Every page of every demo role, on a phone (390×844) and on a desk (1366×768) (issue 15, "what it must show").

On no page is the document wider than the 390 px screen, and at 390 px the visible buttons and menu entries are
at least 44 px high (a finger, not a mouse). The pages are those tests/test_page_walk.py walks — the menus'
pages, one incident of each status, the bulletins and a meeting — as each role's rules there allow, plus a case
with a 200-character title and a 19,000-character description; a page added to a menu is walked here too.
A screenshot per page, role and width goes to test-artifacts/e2e/responsive/ (not committed).

One browser; one context per role and width, signed in with a session made before the browser starts (Django
refuses database work while Playwright's loop runs)."""

import datetime as dt
import os
import re
import time
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from departments.models import User
from incidents import engine, services
from incidents.models import Incident
from reports import services as reports_services
from tests.factories import ensure_role_groups
from tests.test_page_walk import OK, RULES, fixed_pages, nav_links

from .conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 768}
TOUCH_PX = 44
# The demo's people, one per role: office clerk, 党政办, 书记, 副组长, a department's head and liaison, a member
# of staff with no role, and the three administrators.
ROLES = ["office1", "dzb_approver", "shuji", "fuzuzhang", "xsc_head", "xsc_liaison", "staff1", "sysadmin",
         "secadmin", "auditor"]  # fmt: skip
ROLES = [
    name for name in os.environ.get("RESPONSIVE_ROLES", "").split(",") if name
] or ROLES  # to look at one
SHOT_MAX_PX = 4000  # a 19,000-character page is 24,000 px tall: its top is what a screenshot is looked at for
NOT_PAGES = {
    "admin:index",
    "reports:disposal_form_pdf",
}  # Django's admin and a PDF: not this product's layout
LONG_TITLE = "关于东区宿舍热水器长期损坏、学生多次报修无人处理并在微博和抖音集中发帖的舆情" * 5
LONG_TEXT = (
    "学生在微博发帖称东区宿舍热水器坏了一周无人维修，多名同学跟帖反映同样问题，帖子转发量持续上升。" * 400
)

# What a person with a finger cannot hit: visible buttons and menu entries lower than TOUCH_PX.
SMALL_TARGETS = """(min) => Array.from(document.querySelectorAll(
    "main .btn, .navbar .nav-link, .navbar-toggler, main .page-link, main .form-control, main .form-select, "
    + "main .accordion-button, main details > summary"))
  .filter((el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0
                    && getComputedStyle(el).visibility !== "hidden"; })
  .filter((el) => el.getBoundingClientRect().height < min - 0.5)
  .map((el) => `${el.tagName.toLowerCase()}.${el.className.split(" ").join(".")} 「${el.textContent.trim().slice(0, 12)}」`
       + ` ${Math.round(el.getBoundingClientRect().height)}px`)"""
WIDER_THAN_SCREEN = """() => {
  const width = window.innerWidth;
  const wide = Array.from(document.querySelectorAll("body *"))
    .filter((el) => el.getBoundingClientRect().right > width + 1 && !el.closest(".table-responsive, .overflow-auto"))
    .slice(0, 3).map((el) => `${el.tagName.toLowerCase()}#${el.id}.${String(el.className).split(" ").join(".")}`);
  return {scroll: document.documentElement.scrollWidth, width, wide};
}"""


@pytest.fixture
def demo_college(live_server, monkeypatch):
    """The demo's college, its bulletins and meetings, a sweep, and one case with a very long title and text.

    The archived cases' dossiers are not drawn (WeasyPrint, seconds each): this walks pages, not PDFs."""
    monkeypatch.setattr(
        reports_services, "build_dossier_task", SimpleNamespace(delay=lambda *args, **kw: None)
    )
    ensure_role_groups()  # the live server's tests flush the database, migrations' rows included
    call_command("seed_demo", verbosity=0)
    call_command("seed_demo_bulletins", verbosity=0)
    call_command("seed_demo_meetings", verbosity=0)
    long_case = services.incident_report(
        reporter=User.objects.get(username="xsc_liaison"),
        title=LONG_TITLE[:200],
        summary=LONG_TEXT[:19_000],
        discovered_at=timezone.now() - dt.timedelta(hours=2),
        sources=[("微博", "https://weibo.example.com/" + "a" * 180)],
    )
    engine.run_once()
    return long_case


def pages_of(user: User, menu: list[str], long_case: Incident) -> list[str]:
    """What this person may open: the walk's pages and their own menu, as the walk's rules allow."""
    candidates = [*fixed_pages(), *menu, reverse("incidents:detail", args=[long_case.pk])]
    pages = []
    for path in dict.fromkeys(candidates):
        match = resolve(urlsplit(path).path)
        if match.view_name in NOT_PAGES:
            continue
        rule = RULES.get(match.view_name)
        assert rule is not None, f"{path} ({match.view_name}) has no rule in tests/test_page_walk.py"
        if rule(user, match) == OK:
            pages.append(path)
    return pages


def sessions_and_pages(long_case: Incident) -> dict[str, tuple[str, list[str]]]:
    """Each role's session cookie and pages, made while the database may still be used."""
    plan = {}
    for username in ROLES:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        home = client.get(reverse("incidents:home"))
        assert home.status_code == 200, username
        plan[username] = (
            client.cookies["sessionid"].value,
            pages_of(user, nav_links(home.content.decode()), long_case),
        )
    return plan


def slug(path: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", path).strip("-") or "home"


@pytest.mark.django_db(transaction=True)
def test_no_page_of_any_role_is_wider_than_a_phone(demo_college, live_server, artifacts_dir):
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    plan = sessions_and_pages(demo_college)
    shots = artifacts_dir / "responsive"
    shots.mkdir(parents=True, exist_ok=True)
    host = urlsplit(live_server.url).hostname
    problems: list[str] = []
    visits, started = 0, time.monotonic()

    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for username, (session, pages) in plan.items():
                for viewport in (PHONE, DESK):
                    context = browser.new_context(
                        base_url=live_server.url,
                        locale="zh-CN",
                        timezone_id="Asia/Shanghai",
                        viewport=viewport,
                        reduced_motion="reduce",
                    )
                    context.set_default_timeout(TIMEOUT_MS)
                    context.add_cookies(
                        [{"name": "sessionid", "value": session, "domain": host, "path": "/"}]
                    )
                    page = context.new_page()
                    page.on(
                        "pageerror",
                        lambda exc, who=username: problems.append(f"{who}: JavaScript error {exc}"),
                    )
                    width = viewport["width"]
                    for path in pages:
                        response = page.goto(path, wait_until="load")
                        visits += 1
                        where = f"{username} {path} at {width}px"
                        if response is None or response.status != 200:
                            problems.append(f"{where}: answered {response and response.status}")
                            continue
                        if urlsplit(page.url).path.startswith("/accounts/login"):
                            problems.append(f"{where}: sent to sign in")
                            continue
                        height = min(page.evaluate("document.documentElement.scrollHeight"), SHOT_MAX_PX)
                        page.screenshot(
                            path=str(shots / f"{username}-{width}-{slug(path)}.jpg"),
                            type="jpeg",
                            quality=70,
                            full_page=True,
                            clip={"x": 0, "y": 0, "width": width, "height": height},
                        )
                        if width == PHONE["width"]:
                            measured = page.evaluate(WIDER_THAN_SCREEN)
                            if measured["scroll"] > measured["width"]:
                                problems.append(
                                    f"{where}: the document is {measured['scroll']} px wide ({', '.join(measured['wide'])})"
                                )
                            small = page.evaluate(SMALL_TARGETS, TOUCH_PX)
                            if small:
                                problems.append(
                                    f"{where}: targets under {TOUCH_PX} px: {'; '.join(small[:4])}"
                                )
                    context.close()
        finally:
            browser.close()
    seconds = time.monotonic() - started
    print(f"{visits} page visits in {seconds:.0f} s")
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)
