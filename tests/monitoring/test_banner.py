"""第八条: while a key monitoring period is active, every page says so; a normal page view costs no query for it."""

import datetime as dt

import pytest
import time_machine
from django.test import RequestFactory
from django.urls import reverse

from monitoring import context_processors, selectors, services

from .helpers import at, period


@pytest.fixture
def remembered():
    """The banner's memory (each test has keys of its own: tests/conftest.py)."""
    assert selectors.CACHE_SECONDS


def banner(org, user=None) -> dict:
    request = RequestFactory().get("/")
    request.user = user or org.p.xsc_liaison
    return context_processors.key_period(request)


def test_every_page_shows_the_banner_during_a_period(client, org):
    period(org, dt.date(2026, 10, 1), dt.date(2026, 10, 8), name="国庆节", kind="holiday")
    client.force_login(org.p.xsc_liaison)
    with time_machine.travel(at(2026, 10, 3, 10, 0), tick=False):
        page = client.get(reverse("incidents:home")).content.decode()
    assert "重点监测时段：国庆节（10月1日—10月8日）" in page


def test_no_banner_outside_a_period(client, org):
    period(org, dt.date(2026, 10, 1), dt.date(2026, 10, 8), name="国庆节", kind="holiday")
    client.force_login(org.p.xsc_liaison)
    with time_machine.travel(at(2026, 10, 9, 0, 0), tick=False):
        page = client.get(reverse("incidents:home")).content.decode()
    assert "重点监测时段" not in page


def test_the_banner_costs_no_query_once_remembered(org, remembered, django_assert_num_queries):
    period(org, dt.date(2026, 10, 1), dt.date(2026, 10, 8), name="国庆节", kind="holiday")
    with time_machine.travel(at(2026, 10, 3, 10, 0), tick=False):
        banner(org)
        with django_assert_num_queries(0):
            shown = banner(org)["key_periods"]
    assert [p.name for p in shown] == ["国庆节"]


def test_a_change_to_the_periods_shows_at_once(org, remembered, django_capture_on_commit_callbacks):
    with time_machine.travel(at(2026, 10, 3, 10, 0), tick=False):
        assert banner(org)["key_periods"] == []
        with django_capture_on_commit_callbacks(execute=True):
            created = services.period_create(
                actor=org.p.clerk, name="国庆节", kind="holiday",
                start_date=dt.date(2026, 10, 1), end_date=dt.date(2026, 10, 8),
            )  # fmt: skip
        assert [p.name for p in banner(org)["key_periods"]] == ["国庆节"]
        with django_capture_on_commit_callbacks(execute=True):
            services.period_update(actor=org.p.clerk, period=created, end_date=dt.date(2026, 10, 2))
        assert banner(org)["key_periods"] == []


def test_without_the_cache_the_banner_is_read_live(org, remembered, monkeypatch):
    """Redis down: every cache call is a miss (opinion_system.cache), and the banner still shows."""
    period(org, dt.date(2026, 10, 1), dt.date(2026, 10, 8), name="国庆节", kind="holiday")
    monkeypatch.setattr(selectors.cache, "get", lambda *a, **k: None)
    monkeypatch.setattr(selectors.cache, "set", lambda *a, **k: None)
    with time_machine.travel(at(2026, 10, 3, 10, 0), tick=False):
        assert [p.name for p in banner(org)["key_periods"]] == ["国庆节"]


def test_signed_out_pages_have_no_banner(org):
    request = RequestFactory().get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert context_processors.key_period(request) == {}
