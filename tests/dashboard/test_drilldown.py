"""Every kind of figure on the dashboard drills down to the incident list, and the list shows exactly as many rows
as the figure counted (for the leader who sees all, and for a supervising leader who sees his departments)."""

import re

import pytest
import time_machine
from django.core.cache.backends.locmem import LocMemCache

from dashboard import selectors
from dashboard.forms import month_period, year_period
from dashboard.selectors import Tally
from incidents import selectors as incident_selectors

from . import cases

TOTAL = re.compile(r"共 (\d+) 条")


@pytest.fixture(autouse=True)
def own_count_cache(monkeypatch):
    """Counts cached by another run on the shared test Redis must not answer here."""
    monkeypatch.setattr(incident_selectors, "cache", LocMemCache("test-dashboard-count", {}))


@pytest.fixture
def term(org):
    with time_machine.travel(cases.NOW, tick=False):
        yield cases.build(org)


def listed(client, url: str) -> int:
    """The rows the incident list shows at `url` (every filter accepted, one page at most)."""
    page = client.get(url).content.decode()
    assert 'id="filter-errors"' not in page, url
    total = int(TOTAL.search(page)[1])
    assert total == page.count('<tr class="'), url  # every row on the first page: the count is the rows
    return total


def trend(f):
    return [m["count"] for m in f["trend"]]


def category_level(f):
    table = f["category_level"]
    return [c for row in table["categories"] for c in (*row["cells"], row["total"])] + [table["unassessed"]]


def departments(f):
    return [t for row in f["departments"] for t in (row["total"], row["open"], *row["levels"])]


def open_now(f):
    o = f["open_now"]
    cells = [
        c for row in o["statuses"] for c in row["cells"] if c.n
    ]  # a status has no "未研判" column but one
    return [*cells, *(row["total"] for row in o["statuses"]), *o["by_level"], o["total"]]


def overdue(f):
    return [t for row in f["overdue"] for t in (row["total"], row["escalated"], row["waiting"])] + [
        f["overdue_total"]
    ]


def level_one(f):
    lo = f["level_one"]
    return [lo["open"], lo["any"], *(k["count"] for k in lo["by_kind"])]


def timeliness(f):
    found = []
    for clock in f["timeliness"].values():
        for line in [*clock["departments"], clock["whole"]]:
            found += [line["on_time"], line["late"]]
    return found


KINDS = {
    "trend": trend,
    "category_level": category_level,
    "departments": departments,
    "open_now": open_now,
    "overdue": overdue,
    "level_one": level_one,
    "timeliness": timeliness,
}


@pytest.mark.parametrize("kind", KINDS)
def test_each_figure_equals_the_rows_of_its_list(client, org, term, kind):
    with time_machine.travel(cases.NOW, tick=False):
        figures = selectors.dashboard_get(user=org.p.leader, period=year_period(2026), now=cases.NOW)
        tallies: list[Tally] = KINDS[kind](figures)
        assert any(t.n for t in tallies), "the term must give this kind of figure something to count"
        client.force_login(org.p.leader)
        for t in tallies:
            assert listed(client, t.url) == t.n, t.url


def test_the_total_of_a_month_and_a_supervising_leaders_figures_match_their_lists(client, org, term):
    with time_machine.travel(cases.NOW, tick=False):
        client.force_login(org.p.xsc_leader)
        figures = selectors.dashboard_get(user=org.p.xsc_leader, period=month_period(2026, 1), now=cases.NOW)
        assert figures["total"].n == 6  # 人事处's January case is not his
        for t in [figures["total"], *departments(figures), *timeliness(figures), *open_now(figures)]:
            assert listed(client, t.url) == t.n, t.url


def test_the_drilled_list_keeps_its_further_filters_open_and_chosen(client, org, term):
    with time_machine.travel(cases.NOW, tick=False):
        client.force_login(org.p.leader)
        figures = selectors.dashboard_get(user=org.p.leader, period=year_period(2026), now=cases.NOW)
        page = client.get(figures["timeliness"]["filing"]["whole"]["late"].url).content.decode()
    assert '<details class="col-12" id="further-filters" open>' in page
    assert '<option value="1" selected>超时（含逾期未报）</option>' in page
    assert client.get("/incidents/").content.decode().count('id="further-filters" open') == 0
