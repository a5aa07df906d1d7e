"""The list page: its total is exact and live for short lists, a rounded 约 for long ones, never another user's;
its filters speak Chinese and keep what was chosen."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from departments.models import Department
from incidents import access, selectors
from incidents.filters import IncidentFilter
from incidents.models import Deadline, Incident
from incidents.selectors import RowCount
from incidents.views import pages
from tests.factories import assessed, report


@pytest.fixture(autouse=True)
def own_count_cache(monkeypatch):
    """Counts cached by another run on the shared test Redis (same SQL, other rows) must not be read here."""
    monkeypatch.setattr(selectors, "cache", LocMemCache("test-list-count", {}))


def list_page(client, user, **query) -> str:
    client.force_login(user)
    return client.get(reverse("incidents:list"), query).content.decode()


def test_a_short_list_counts_exactly_and_at_once(client, org):
    report(org)
    assert "共 1 条" in list_page(client, org.p.clerk)
    report(org)
    assert "共 2 条" in list_page(client, org.p.clerk)  # no cached count below the limit


def test_a_long_list_says_its_total_is_approximate(client, org, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_EXACT_UP_TO", 2)
    for _ in range(3):
        report(org)
    page = list_page(client, org.p.clerk)
    assert "共约 3 条" in page and "共 3 条" not in page


def test_each_user_gets_the_count_of_their_own_list(client, org, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_EXACT_UP_TO", 1)
    for _ in range(3):
        assessed(org, level=3, department=org.xsc)
    assessed(org, level=3, department=org.rsc)
    assessed(org, level=3, department=org.rsc)
    assert "共约 5 条" in list_page(client, org.p.clerk, category="C")
    assert "共约 2 条" in list_page(client, org.p.rsc_liaison, category="C")  # not the office's cached 5


def test_a_surely_long_cached_count_is_not_checked_again_but_a_near_one_is(org, monkeypatch):
    """Above COUNT_SURELY_LONG the cached total is used alone; nearer the exact range the capped count still runs,
    so a list that falls into that range is counted exactly at once."""
    monkeypatch.setattr(selectors, "COUNT_EXACT_UP_TO", 2)
    monkeypatch.setattr(selectors, "COUNT_SURELY_LONG", 4)
    incidents = [report(org, title=f"长列表{k}") for k in range(5)]
    listed = access.incidents_visible_to(org.p.clerk).filter(title__startswith="长列表")
    assert selectors.incident_list_count(incidents=listed) == RowCount(5, approximate=True)
    with CaptureQueriesContext(connection) as queries:
        assert selectors.incident_list_count(incidents=listed) == RowCount(5, approximate=True)
    assert len(queries) == 0  # the cached 5 ≥ 4: no count at all

    monkeypatch.setattr(selectors, "COUNT_SURELY_LONG", 6)  # now the cached 5 is near the exact range
    Incident.objects.filter(pk__in=[i.pk for i in incidents[:3]]).update(title="改名")
    with CaptureQueriesContext(connection) as queries:
        assert selectors.incident_list_count(incidents=listed) == RowCount(
            2
        )  # exact and live, not the cached 5
    assert len(queries) == 1


@pytest.mark.parametrize(
    ("value", "shown"), [(7, 7), (100, 100), (119, 120), (6221, 6200), (100_001, 100_000), (96_512, 97_000)]
)
def test_an_approximate_total_keeps_two_significant_digits(value, shown):
    assert RowCount(value, approximate=True).shown == shown
    assert RowCount(value).shown == value


def test_the_filters_speak_chinese_and_keep_what_was_chosen(client, org):
    page = list_page(
        client, org.p.clerk, ordering="-number", responsible_department=org.rsc.pk, overdue="true"
    )
    assert "descending" not in page and '<option value="-number" selected>编号（倒序）</option>' in page
    assert f'<option value="{org.rsc.pk}" selected>人事处</option>' in page
    assert 'id="f-overdue" checked' in page
    assert '<option value="" selected>' in list_page(client, org.p.clerk)  # nothing chosen: "---------"


def test_the_department_filter_follows_the_live_departments(client, org):
    newcomer = Department.objects.create(name="新设部门", code="XSBM")
    chosen = IncidentFilter({"responsible_department": str(newcomer.pk)}, queryset=Incident.objects.all())
    assert chosen.is_valid()
    assert f'<option value="{newcomer.pk}" selected>新设部门</option>' in str(
        chosen.form["responsible_department"]
    )
    Department.objects.filter(pk=newcomer.pk).update(is_active=False)
    gone = IncidentFilter({"responsible_department": str(newcomer.pk)}, queryset=Incident.objects.all())
    assert not gone.is_valid() and "新设部门" not in list_page(client, org.p.clerk)


def test_a_row_shows_the_next_open_deadline_in_beijing_time_and_turns_red_once_it_passes(client, org):
    """The row's cells are formatted by selectors.incident_list_rows: labels, link, deadline, overdue, report time."""
    start = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)  # 17:30 in Beijing
    with time_machine.travel(start, tick=False):
        incident = assessed(org, level=2)
        waiting = report(org, title="尚未研判的一条")
    due = incident.deadlines.filter(state=Deadline.State.OPEN).order_by("due_at").first().due_at
    local = timezone.localtime(due)
    with time_machine.travel(due - dt.timedelta(minutes=1), tick=False):
        page = list_page(client, org.p.clerk)
    row = re.search(
        rf'<tr class="">\s*<td[^>]*><a href="/incidents/{incident.pk}/">{incident.number}</a>.*?</tr>',
        page,
        re.S,
    )
    assert row, "the row, not red, linking to the incident"
    assert (
        '<span class="badge level-2">二级舆情</span>' in row[0] and "处置中" in row[0] and "学生处" in row[0]
    )
    assert f'<span class="small">{local:%m-%d %H:%M}</span>' in row[0]
    assert f'data-due="{local.isoformat()}"' in row[0] and local.isoformat().endswith("+08:00")
    assert "2026-03-02 17:30" in row[0]  # reported at, Beijing time
    other = re.search(rf"<tr[^>]*>\s*<td[^>]*><a href=\"/incidents/{waiting.pk}/\">.*?</tr>", page, re.S)[0]
    assert "未研判" in other and "—" in other  # no level, no deadline
    with time_machine.travel(due + dt.timedelta(minutes=1), tick=False):
        page = list_page(client, org.p.clerk)
    assert re.search(rf'<tr class="overdue">\s*<td[^>]*><a href="/incidents/{incident.pk}/">', page)


def test_a_broken_filter_is_named_and_left_out_while_the_others_still_apply(client, org):
    two = assessed(org, level=2)
    assessed(org, level=3)
    page = list_page(client, org.p.clerk, level="2", status="bogus")
    assert 'id="filter-errors"' in page and "<strong>状态</strong>" in page
    assert two.number in page and page.count('<tr class="') == 1  # the level filter still applies
    page = list_page(client, org.p.clerk, level="2", reported_after="0001-01-01")
    assert (
        "<strong>上报起</strong>" in page and "2000 年至 2099 年" in page and page.count('<tr class="') == 1
    )
    assert 'id="filter-errors"' not in list_page(client, org.p.clerk, level="2")


@pytest.mark.parametrize("ordering", ["", "-level", "level", "status", "-number", "reported_at"])
def test_every_sort_ends_with_the_id_so_paging_through_ties_shows_each_row_once(client, org, ordering):
    """PostgreSQL returns tied rows in any order from one LIMIT/OFFSET to the next; the id makes the order total."""
    assessed(org, level=3)
    client.force_login(org.p.clerk)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("incidents:list"), {"ordering": ordering} if ordering else {})
    rows = [q["sql"] for q in queries.captured_queries if "next_due_at" in q["sql"]]
    assert len(rows) == 1
    order = rows[0].rsplit("ORDER BY", 1)[1]
    assert re.search(r'"incidents_incident"\."id" DESC LIMIT \d+$', order.strip()), order


def searched_page(client, user, text: str, **query) -> tuple[str, list[str]]:
    """The page of a search, and the SQL of every COUNT of the searched rows (those naming the word; the
    navigation's own counts, of notices and 待办, are not the list's)."""
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("incidents:list"), {"q": text, **query}).content.decode()
    return page, [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"] and text in q["sql"]]


def only_bounded(counts: list[str], *, some: bool = True) -> bool:
    """Every COUNT counts a LIMITed subquery, not the table (and there is one, unless `some` is off)."""
    bounded = re.compile(r"^SELECT COUNT\(\*\) FROM \(SELECT .* LIMIT \d+\) subquery$", re.S)
    return (bool(counts) or not some) and all(bounded.match(sql) for sql in counts)


def test_a_search_counts_up_to_its_bound_and_pages_on_without_a_total(client, org, monkeypatch):
    """Above SEARCH_COUNT_UP_TO the page says "more than", offers 下一页 with no made-up total, and no COUNT runs
    over every match — not even above COUNT_EXACT_UP_TO, where a list without words is counted whole."""
    monkeypatch.setattr(selectors, "SEARCH_COUNT_UP_TO", 3)
    monkeypatch.setattr(selectors, "COUNT_EXACT_UP_TO", 2)
    monkeypatch.setattr(pages, "PAGE_SIZE", 3)
    found = [report(org, title=f"宿舍热水中断 {k}") for k in range(5)]
    other = report(org, title="操场照明不足")
    page, counts = searched_page(client, org.p.clerk, "热水")
    assert only_bounded(counts), counts
    assert (
        "找到超过 3 条，请增加搜索词或筛选条件以缩小范围" in page
        and "共" not in page.split("找到超过")[1][:40]
    )
    assert "第 1 页" in page and "下一页" in page and "上一页" not in page
    assert [i.number for i in found[:1:-1]] == re.findall(r'<a href="/incidents/\d+/">([^<]+)</a>', page)
    again, counts = searched_page(client, org.p.clerk, "热水")
    assert (
        counts == [] and "找到超过 3 条" in again
    )  # known for a minute to be beyond the bound: not counted again
    # The second page lies beyond the bound: the count reaches past it, so it knows it is the last.
    page, counts = searched_page(client, org.p.clerk, "热水", page="2")
    assert only_bounded(counts), counts
    assert "共 5 条" in page and "第 2 / 2 页" in page and "上一页" in page and "下一页" not in page
    shown = re.findall(r'<a href="/incidents/\d+/">([^<]+)</a>', page)
    assert shown == [found[1].number, found[0].number] and other.number not in page


def test_a_search_below_its_bound_is_counted_exactly(client, org, monkeypatch):
    """Between COUNT_EXACT_UP_TO and SEARCH_COUNT_UP_TO a search shows its exact count: the LIMIT bounds it."""
    monkeypatch.setattr(selectors, "COUNT_EXACT_UP_TO", 2)
    for k in range(4):
        report(org, title=f"宿舍热水中断 {k}")
    page, counts = searched_page(client, org.p.clerk, "热水")
    assert only_bounded(counts), counts
    assert "共 4 条" in page and "超过" not in page and "共约" not in page
    report(org, title="宿舍热水中断 4")
    page, counts = searched_page(client, org.p.clerk, "热水")
    assert only_bounded(counts) and "共 5 条" in page  # below the bound: live, not cached
    # Without search words the long list keeps its cached, rounded total.
    assert re.search(r"共约 \d+ 条", list_page(client, org.p.clerk))


def test_a_page_asked_beyond_a_search_shows_its_last_page(client, org, monkeypatch):
    monkeypatch.setattr(selectors, "SEARCH_COUNT_UP_TO", 3)
    monkeypatch.setattr(pages, "PAGE_SIZE", 3)
    for k in range(5):
        report(org, title=f"宿舍热水中断 {k}")
    for asked in ("99", str(2**63), "-1", "x"):
        page, counts = searched_page(client, org.p.clerk, "热水", page=asked)
        assert only_bounded(counts, some=False), (asked, counts)  # the first page's is known after one visit
        last = asked in ("99", str(2**63))
        assert ("第 2 / 2 页" if last else "第 1 页") in page, asked
        assert ("下一页" in page) is not last, asked


@pytest.mark.parametrize(
    ("counted", "paged"),
    [(RowCount(7), 7), (RowCount(3, more=True), 4), (RowCount(6200, approximate=True), 6200)],
)
def test_a_count_with_more_rows_pages_one_beyond_what_it_counted(counted, paged):
    assert counted.paged == paged
