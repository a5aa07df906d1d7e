"""Who may open the dashboard, its period selector (good and bad input), the print layout and the old /overview/."""

import datetime as dt
import json
import re

import pytest
import time_machine
from django.urls import reverse

from dashboard.forms import PeriodForm
from tests.factories import assessed
from tests.incidents.test_form_rendering import Page

from . import cases

URL = "/dashboard/"


def test_the_dashboard_is_dashboard_index():
    assert reverse("dashboard:index") == URL


@pytest.mark.parametrize("who", ["clerk", "leader", "top_leader", "xsc_leader"])
def test_the_office_and_the_leaders_open_it(client, org, who):
    client.force_login(getattr(org.p, who))
    response = client.get(URL)
    assert response.status_code == 200 and "领导驾驶舱" in response.content.decode()


@pytest.mark.parametrize("who", ["outsider", "xsc_liaison", "xsc_head", "approver", "sysadmin"])
def test_anyone_else_is_refused_in_chinese(client, org, who):
    client.force_login(getattr(org.p, who))
    response = client.get(URL)
    assert response.status_code == 403
    assert (
        "只有领导小组、学校党政主要领导、分管院领导和领导小组办公室可以查看领导驾驶舱。"
        in response.content.decode()
    )


def test_a_visitor_signs_in_first(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_old_overview_sends_to_the_dashboard_with_its_period(client, org):
    client.force_login(org.p.leader)
    response = client.get("/overview/", {"year": "2025"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/?year=2025"
    assert client.get("/overview/")["Location"] == "/dashboard/"


def period(query: dict):
    form = PeriodForm(query or None)
    return form.period(), form


@time_machine.travel(
    dt.datetime(2026, 12, 31, 16, 30, tzinfo=dt.UTC), tick=False
)  # 1 January 2027, 00:30 Beijing
def test_this_year_is_the_beijing_year_by_default():
    chosen, form = period({})
    assert (chosen.first, chosen.last, chosen.label) == (
        dt.date(2027, 1, 1),
        dt.date(2027, 12, 31),
        "2027 年",
    )
    assert not form.is_bound


@pytest.mark.parametrize(
    ("query", "first", "last", "label"),
    [
        ({"kind": "year", "year": "2025"}, "2025-01-01", "2025-12-31", "2025 年"),
        ({"year": "2025"}, "2025-01-01", "2025-12-31", "2025 年"),  # ?year=2025 alone means that year
        ({"kind": "month", "year": "2024", "month": "2"}, "2024-02-01", "2024-02-29", "2024 年 2 月"),
        (
            {"first": "2026-01-31", "last": "2026-02-01"},
            "2026-01-31",
            "2026-02-01",
            "2026-01-31 至 2026-02-01",
        ),
        ({"kind": "this_year", "year": "2020"}, "2026-01-01", "2026-12-31", "2026 年"),
    ],
)
@time_machine.travel(cases.NOW, tick=False)
def test_a_chosen_period(query, first, last, label):
    chosen, form = period(query)
    assert form.is_valid(), form.errors
    assert (chosen.first.isoformat(), chosen.last.isoformat(), chosen.label) == (first, last, label)


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"kind": "year", "year": "99999"}, "year", "年份应在 2000 年至 2099 年之间。"),
        ({"kind": "year", "year": "二〇二五"}, "year", "年份请填写四位数字，如 2026。"),
        ({"kind": "year"}, "year", "请填写年份。"),
        ({"kind": "month", "year": "2026", "month": "13"}, "month", "月份应为 1 月至 12 月。"),
        ({"kind": "month", "year": "2026", "month": "一月"}, "month", "月份应为 1 月至 12 月。"),
        (
            {"kind": "range", "first": "2026-02-01", "last": "2026-01-01"},
            "last",
            "截止日期不能早于起始日期。",
        ),
        ({"kind": "range", "first": "2026-02-01"}, "last", "请填写截止日期。"),
        ({"kind": "range", "first": "昨天", "last": "2026-01-01"}, "first", "起始日期格式应为 2026-01-31。"),
        ({"kind": "range", "first": "0001-01-01", "last": "2026-01-01"}, "first", "2000 年至 2099 年"),
        ({"kind": "decade"}, "kind", "请选择今年、某一年、某一月或自定义日期。"),
    ],
)
@time_machine.travel(cases.NOW, tick=False)
def test_a_wrong_period_is_named_and_this_year_shown(query, field, message):
    chosen, form = period(query)
    assert not form.is_valid()
    assert any(message in error for error in form.errors[field]), form.errors
    assert chosen.label == "2026 年"


@time_machine.travel(cases.NOW, tick=False)
def test_the_page_names_a_wrong_period_under_its_field_and_never_fails(client, org):
    client.force_login(org.p.leader)
    for query in ({"year": "99999"}, {"kind": "month", "year": "2026", "month": "13"},
                  {"first": "2026-02-01", "last": "2026-01-01"}, {"year": "abc", "first": "x"}):  # fmt: skip
        response = client.get(URL, query)
        assert response.status_code == 200, query
        html = response.content.decode()
        assert 'id="period-errors"' in html and "下面显示的是2026 年的数据" in html
        page = Page(html)
        invalid = [c for _, c in page.controls if "is-invalid" in c.get("class", "").split()]
        assert invalid and all(page.text[c["aria-describedby"].split()[-1]].strip() for c in invalid)


def test_the_period_form_is_drawn_by_django_with_a_label_for_every_control(client, org):
    client.force_login(org.p.leader)
    page = Page(client.get(URL, {"kind": "month", "year": "2026", "month": "1"}).content.decode())
    controls = {c["name"]: c for _, c in page.controls}
    assert set(controls) == {"kind", "year", "month", "first", "last"}
    for name, control in controls.items():
        assert page.labels[control["id"]], name
    assert controls["first"]["type"] == "date" and controls["year"]["value"] == "2026"


@time_machine.travel(cases.NOW, tick=False)
def test_the_chart_data_carries_the_drill_down_address_of_each_bar(client, org):
    incident = assessed(org, level=2, category="B")
    client.force_login(org.p.leader)
    html = client.get(URL).content.decode()
    data = json.loads(
        re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S)[1]
    )
    assert data["period"] == "2026 年"
    march = data["trend"]["values"][2]
    assert march["value"] == 1 and march["url"].startswith("/incidents/?reported_after=2026-03-01&")
    second = data["categoryLevel"]["series"][1]
    assert second["name"] == "二级舆情" and second["values"][1]["value"] == 1  # B类, 二级
    assert "category=B&level=2" in second["values"][1]["url"]
    assert data["departments"]["labels"] == [incident.responsible_department.name]
    # Under the Content-Security-Policy: scripts from static files, the data as JSON, nothing run inline.
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


@time_machine.travel(cases.NOW, tick=False)
def test_the_print_layout_has_no_navigation_and_keeps_the_period(client, org):
    client.force_login(org.p.leader)
    html = client.get(URL, {"kind": "year", "year": "2026", "print": "1"}).content.decode()
    assert 'class="dashboard-print"' in html and "navbar" not in html and 'id="period-form"' not in html
    assert "统计期间：2026 年" in html and 'href="/dashboard/?kind=year&amp;year=2026"' in html
    assert 'id="dashboard-data"' in html and "echarts.min.js" in html and "data-print" in html
    screen = client.get(URL, {"kind": "year", "year": "2026"}).content.decode()
    assert 'href="?kind=year&amp;year=2026&amp;print=1"' in screen
