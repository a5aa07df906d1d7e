"""The dashboard runs a fixed number of queries per role whatever the number of incidents (DESIGN 9): the counts are
written down, taken once with a few incidents and again with more of every kind."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dashboard import selectors
from dashboard.forms import year_period
from incidents import services
from incidents.models import Deadline
from tests.factories import assessed, ended, filed, report, submitted

from . import cases

URLS = {
    "dashboard": "/dashboard/",
    "dashboard_month": "/dashboard/?kind=month&year=2026&month=3",
    "dashboard_print": "/dashboard/?print=1",
    "dashboard_bad_period": "/dashboard/?year=99999",
}
ROLES = ("clerk", "leader", "top_leader", "xsc_leader", "xsc_liaison")

# (page, role) → queries; a refusal (the liaison) has its cost too.
# The page's own figures are 6 queries (dashboard.selectors.dashboard_get); the rest is the user, roles and grants,
# and the navigation's counts. The liaison is refused before any figure is read.
EXPECTED = {
    ("dashboard", "clerk"): 13,
    ("dashboard", "leader"): 11,
    ("dashboard", "top_leader"): 11,
    ("dashboard", "xsc_leader"): 11,
    ("dashboard", "xsc_liaison"): 11,
    ("dashboard_bad_period", "clerk"): 13,
    ("dashboard_bad_period", "leader"): 11,
    ("dashboard_bad_period", "top_leader"): 11,
    ("dashboard_bad_period", "xsc_leader"): 11,
    ("dashboard_bad_period", "xsc_liaison"): 11,
    ("dashboard_month", "clerk"): 13,
    ("dashboard_month", "leader"): 11,
    ("dashboard_month", "top_leader"): 11,
    ("dashboard_month", "xsc_leader"): 11,
    ("dashboard_month", "xsc_liaison"): 11,
    ("dashboard_print", "clerk"): 13,
    ("dashboard_print", "leader"): 11,
    ("dashboard_print", "top_leader"): 11,
    ("dashboard_print", "xsc_leader"): 11,
    ("dashboard_print", "xsc_liaison"): 11,
}


def add_cases(org) -> None:
    """One incident of every kind the figures count, in 学生处 and 人事处."""
    report(org)
    assessed(org, level=2, category="B", department=org.rsc)
    level_one = assessed(org, level=1, category="A")
    services.level_one_duty_record(incident=level_one, actor=org.p.clerk, kind="special_meeting")
    submitted(org)
    filed(org)
    late = ended(org, level=3, category="E")
    Deadline.objects.filter(incident=late, kind="filing").update(
        due_at=cases.NOW - dt.timedelta(hours=1), escalated_at=cases.NOW
    )


def measure(org) -> dict[tuple[str, str], int]:
    counts = {}
    for role in ROLES:
        client = Client()
        client.force_login(getattr(org.p, role))
        client.get("/")  # the session's first touch is not the page's cost
        for page, url in URLS.items():
            client.get(url)  # what the site caches for a minute (the scheduler's state, a period) is warm
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            counts[(page, role)] = len(queries)
    return counts


def table(counts: dict) -> str:
    return "\n".join(f"    ({page!r}, {role!r}): {n}," for (page, role), n in sorted(counts.items()))


@pytest.mark.django_db
def test_the_dashboard_runs_a_fixed_number_of_queries_per_role(org):
    with time_machine.travel(cases.NOW, tick=False):
        add_cases(org)
        small = measure(org)
        for _ in range(3):
            add_cases(org)
        large = measure(org)
    grew = {key: (small[key], large[key]) for key in small if large[key] != small[key]}
    assert not grew, f"queries grow with the data: {grew}"
    assert large == EXPECTED, "the query counts changed; if that is meant, EXPECTED becomes:\n" + table(large)


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["leader", "xsc_leader"])
def test_the_figures_themselves_are_six_queries(org, who, django_assert_num_queries):
    user = getattr(org.p, who)
    with time_machine.travel(cases.NOW, tick=False):
        for copies in (1, 3):
            for _ in range(copies):
                add_cases(org)
            selectors.dashboard_get(
                user=user, period=year_period(2026), now=cases.NOW
            )  # roles and grants read
            with django_assert_num_queries(6):
                selectors.dashboard_get(user=user, period=year_period(2026), now=cases.NOW)


@pytest.mark.django_db
def test_the_period_counts_are_kept_a_minute_and_what_is_open_now_until_a_case_changes(
    org, monkeypatch, django_assert_num_queries, django_capture_on_commit_callbacks
):
    """The period's scan is the costly figure: kept PERIOD_CACHE_SECONDS per scope and period (the page says when
    it was counted); the figures of now are kept until a change to a case is committed (and a minute at most)."""
    from django.core.cache import cache

    from incidents import worklist

    monkeypatch.setattr(selectors, "PERIOD_CACHE_SECONDS", 60)
    period = year_period(2026)
    keys = [
        f"dashboard-figures:all:{period.first.isoformat()}:{period.last.isoformat()}",
        "dashboard-now:all",
    ]
    cache.delete_many(keys)
    worklist.work_changed()
    with time_machine.travel(cases.NOW, tick=False):
        add_cases(org)
        first = selectors.dashboard_get(user=org.p.leader, period=period, now=cases.NOW, cached=True)
        with django_assert_num_queries(3):  # the level-1 duties only: read live
            again = selectors.dashboard_get(user=org.p.leader, period=period, now=cases.NOW, cached=True)
        assert again["total"] == first["total"] and again["counted_at"] == first["counted_at"] == cases.NOW
        assert again["open_now"] == first["open_now"] and again["overdue"] == first["overdue"]
        with django_capture_on_commit_callbacks(execute=True):
            add_cases(org)
        later = selectors.dashboard_get(user=org.p.leader, period=period, now=cases.NOW, cached=True)
        assert later["total"] == first["total"]  # the period's counts: as of a minute ago at most
        assert later["open_now"] != first["open_now"]  # what is open now: as of the last change
        assert (
            later["open_now"]
            == selectors.dashboard_get(user=org.p.leader, period=period, now=cases.NOW)["open_now"]
        )
    cache.delete_many(keys)  # the cache outlives the test's database
