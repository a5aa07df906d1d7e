"""The phone layout (issue 15, items 1–2): lists and registers carry the captions their cards show under 768 px,
the list's filters sit behind a button that stays open while a condition is chosen or refused, the menu is
grouped into 办理 / 登记 / 档案 / 统计, and long titles are clamped with their whole text kept in title=.

The browser side (no page wider than a 390 px screen, 44 px touch targets) is tests/e2e/test_responsive.py."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import report

LONG_TITLE = "学生反映东区宿舍热水器坏了一周无人维修" * 10  # 200 characters


def page(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def labels(html: str, table_id: str) -> list[str]:
    table = html[html.index(f'id="{table_id}"') :]
    table = table[: table.index("</table>")]
    assert (
        "table-cards"
        in html[html.rindex("<table", 0, html.index(f'id="{table_id}"')) : html.index(f'id="{table_id}"')]
    )
    return re.findall(r'data-label="([^"]+)"', table)


def test_the_incident_list_captions_every_value_of_its_cards(client, org):
    report(org, title=LONG_TITLE)
    html = page(client, org.p.clerk, reverse("incidents:list"))
    assert labels(html, "incident-table")[:7] == [
        "编号",
        "标题",
        "级别/类别",
        "责任部门",
        "状态",
        "下一时限",
        "上报时间",
    ]


def test_a_long_title_is_clamped_with_its_whole_text_in_title(client, org):
    incident = report(org, title=LONG_TITLE)
    html = page(client, org.p.clerk, reverse("incidents:list"))
    assert f'<span class="clamp-2" title="{LONG_TITLE}">{LONG_TITLE}</span>' in html
    home = page(client, org.p.xsc_liaison, reverse("incidents:home"))  # 我上报的
    assert f'class="clamp-2" title="{incident.number} {LONG_TITLE}"' in home


def test_the_registers_captions_every_value(client, org):
    liaisons = page(client, org.p.clerk, reverse("departments:liaisons"))
    assert labels(liaisons, "liaison-table")[:6] == ["部门", "联络员", "电话", "状态", "备案", "操作"]
    accounts = page(client, org.p.clerk, reverse("departments:media_accounts"))
    assert 'id="media-account-table"' in accounts and "table-cards" in accounts


def test_the_other_registers_are_cards_too(client, org):
    for name, table_id, user in [
        ("meetings:list", "meeting-list", org.p.clerk),
        ("bulletins:list", "bulletin-list", org.p.clerk),
        ("evaluation:ledger", "ledger-table", org.p.clerk),
        ("monitoring:calendar", "period-table", org.p.clerk),
    ]:
        html = page(client, user, reverse(name))
        start = html.index(f'id="{table_id}"')
        assert "table-cards" in html[html.rindex("<table", 0, start) : start], name


def test_the_filters_are_behind_a_button_shut_until_a_condition_is_chosen(client, org):
    html = page(client, org.p.clerk, reverse("incidents:list"))
    assert 'data-bs-target="#list-filters"' in html and 'aria-expanded="false"' in html
    assert (
        'class="collapse filters-collapse" id="list-filters"' in html
    )  # shut on a phone, open on a desk (CSS)
    chosen = page(client, org.p.clerk, reverse("incidents:list") + "?status=reported")
    assert 'class="collapse filters-collapse show" id="list-filters"' in chosen
    refused = page(client, org.p.clerk, reverse("incidents:list") + "?reported_after=not-a-date")
    assert 'class="collapse filters-collapse show" id="list-filters"' in refused


def nav_groups(html: str) -> dict[str, list[str]]:
    """The dropdowns of the bar: the toggle's id → the entries under it."""
    groups = {}
    for match in re.finditer(
        r'id="nav-(\w+)">[^<]*</button>\s*<ul class="dropdown-menu[^"]*"[^>]*>(.*?)</ul>', html, re.S
    ):
        groups[match[1]] = re.findall(r'class="dropdown-item"[^>]*>([^<]+)</a>', match[2])
    return groups


def test_the_office_menu_is_four_groups_not_a_column_of_links(client, org):
    html = page(client, org.p.clerk, reverse("incidents:home"))
    groups = nav_groups(html)
    assert list(groups)[:4] == ["handle", "registers", "files", "statistics"]
    assert groups["handle"][:2] == ["待研判", "待审核备案"]
    assert {"联络员备案", "官方媒体账号"} <= set(groups["registers"])
    assert "工作档案" in groups["files"]
    nav = html[html.index('id="mainnav"') : html.index("</nav>")]
    top_level = re.findall(r'<li class="nav-item">', nav)
    assert len(top_level) == 3  # 工作台, 舆情列表, 上报舆情; everything else in a group


def test_a_member_of_staff_sees_no_empty_group(client, org):
    groups = nav_groups(page(client, org.p.xsc_staff, reverse("incidents:home")))
    assert "registers" not in groups and "files" not in groups
    assert all(groups.values())


def test_the_bell_and_the_work_waiting_stay_outside_the_folded_menu(client, org):
    report(org)  # 待研判 for the office
    html = page(client, org.p.clerk, reverse("incidents:home"))
    quick = html[html.index('id="nav-quick"') : html.index('id="mainnav"')]
    assert 'id="nav-quick-count">1<' in quick and 'title="通知"' in quick


def test_phone_rules_are_in_the_stylesheet():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "app.css").read_text()
    phone = css[css.index("@media (max-width: 767.98px)") :]
    assert "td[data-label]::before { content: attr(data-label)" in phone
    assert "min-height: 44px" in phone
    assert "-webkit-line-clamp: 2" in css


@pytest.mark.parametrize(
    ("name", "target", "chosen"),
    [
        ("evaluation:ledger", "ledger-filters", "?kind=commendation"),
        ("bulletins:list", "bulletin-filters", "?status=issued"),
    ],
)
def test_the_registers_filters_are_behind_a_button_too(client, org, name, target, chosen):
    html = page(client, org.p.clerk, reverse(name))
    assert f'data-bs-target="#{target}"' in html and 'aria-expanded="false"' in html
    assert f'class="collapse filters-collapse" id="{target}"' in html
    assert f'class="collapse filters-collapse show" id="{target}"' in page(
        client, org.p.clerk, reverse(name) + chosen
    )
    paged = page(client, org.p.clerk, reverse(name) + "?page=2")
    assert f'class="collapse filters-collapse" id="{target}"' in paged  # a page number is no condition
    refused = client.get(reverse(name) + "?year=abc")
    assert refused.status_code == 400  # refused, with the reason beside the open filters
    assert f'class="collapse filters-collapse show" id="{target}"' in refused.content.decode()
