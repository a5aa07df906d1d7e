"""The list page: its total is exact and live for short lists, a rounded 约 for long ones, never another user's;
its filters speak Chinese and keep what was chosen."""

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.urls import reverse

from incidents import selectors
from incidents.selectors import RowCount
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
