"""Named people for each role, as the regulation names them."""

import pytest

from tests.factories import build_org


@pytest.fixture
def org(db):
    """The college: the office, 党政办, 学生处 and 人事处, with the people of every role."""
    return build_org()


@pytest.fixture(autouse=True)
def _dashboard_counts_live(monkeypatch):
    """The dashboard keeps a period's counts a minute in the cache, which outlives a test: tests read them live
    (the test of that cache turns it back on)."""
    from dashboard import selectors

    monkeypatch.setattr(selectors, "PERIOD_CACHE_SECONDS", 0)


@pytest.fixture(autouse=True)
def _worklist_counts_live(monkeypatch):
    """The navigation's 待办 counts are remembered until the work changes, which a rolled-back test never commits:
    tests count live (the test of that memory turns it back on)."""
    from incidents import worklist

    monkeypatch.setattr(worklist, "COUNTS_CACHE_SECONDS", 0)


@pytest.fixture(autouse=True)
def _case_records_per_test(monkeypatch):
    """The detail page remembers a case's records under its version and latest case-log line, which a rolled-back
    test can give again to another case (SQLite reuses the ids): each test remembers them under keys of its own."""
    import uuid

    from incidents import selectors

    monkeypatch.setattr(selectors, "RECORDS_KEY_PREFIX", f"incident-records:{uuid.uuid4().hex[:8]}")


@pytest.fixture(autouse=True)
def _key_periods_per_test(monkeypatch):
    """The key monitoring periods are remembered per day in the cache, which outlives a rolled-back test: each
    test remembers them under keys of its own (pages keep their cost: no query once remembered)."""
    import uuid

    from monitoring import selectors

    monkeypatch.setattr(selectors, "KEY_PREFIX", f"monitoring:periods:{uuid.uuid4().hex[:8]}")


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "postgresql_only(reason): the test needs PostgreSQL by nature (row locks with SKIP LOCKED, pg_stat_activity,"
        " index plans, the bigram search, pg_dump); on SQLite it is skipped with that reason",
    )


def pytest_collection_modifyitems(config, items):
    """SQLite and PostgreSQL both run the suite; a test marked postgresql_only is skipped on SQLite, saying why."""
    from django.db import connection

    for item in items:
        marker = item.get_closest_marker("postgresql_only")
        if marker is None:
            continue
        reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
        if not reason:
            raise pytest.UsageError(f"{item.nodeid}: postgresql_only needs a reason")
        if connection.vendor != "postgresql":
            item.add_marker(pytest.mark.skip(reason=f"PostgreSQL only: {reason}"))
