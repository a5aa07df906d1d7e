"""Browser tests: a live server on 127.0.0.1 and the Debian Chromium driven by Playwright.

Never downloads a browser: Chromium is launched from /usr/bin/chromium.
The Playwright fixture depends on `org` and `live_server`, so it starts after the people are created and
stops before the database is flushed (Django refuses database work while Playwright's loop runs).
"""

import os
from pathlib import Path

import pytest

# pytest-django's live_server reads this when it starts; only ever bind to the loopback address.
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def artifacts_dir() -> Path:
    path = Path(os.environ.get("TEST_ARTIFACTS_DIR") or REPO / "test-artifacts" / "e2e")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def scheduler_running(org):
    """One sweep of the deadline engine, as the real scheduler does every minute.

    Without a recent sweep every office page shows the red "定时任务已停止" banner (correctly: no scheduler
    runs in the tests); a case that lasts less than SCHEDULER_STALE_MINUTES is covered by this one sweep.
    """
    from incidents import engine

    engine.sweep()
    assert engine.scheduler_status()["ok"]


@pytest.fixture
def browser(org, scheduler_running, live_server):
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    playwright_api.expect.set_options(timeout=TIMEOUT_MS)
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
