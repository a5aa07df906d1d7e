"""The Excel files read back with openpyxl: sheets, headers, values and typed cells; the incident list's file
honours the list's filters and what the person may see."""

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from evaluation import selectors, services
from evaluation.models import LedgerEntry
from incidents.views import exports
from tests.factories import assessed, report


def workbook(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True))


def beijing(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment, timezone.get_default_timezone()).replace(tzinfo=None, microsecond=0)


def test_the_incident_list_exports_its_rows_with_typed_cells(client, org):
    incident = assessed(org, level=2, category="C")
    client.force_login(org.p.clerk)
    book = workbook(client.get(reverse("incidents:list_xlsx")))
    assert book.sheetnames == ["舆情列表"]
    sheet = book["舆情列表"]
    header, *data = rows(sheet)
    assert header == ("舆情编号", "标题", "舆情类别", "响应级别", "状态", "责任部门", "发现时间", "上报时间",
                      "研判时间", "处置结束时间", "备案时间", "上报人")  # fmt: skip
    assert len(data) == 1
    (
        number,
        title,
        category,
        level,
        status,
        department,
        _discovered,
        reported,
        assessed_at,
        ended,
        filed,
        who,
    ) = data[0]
    assert (number, title, category, level, department, who) == (
        incident.number,
        incident.title,
        "C.学生学习生活类",
        "二级舆情",
        "学生处",
        "xsc_liaison",
    )
    assert status == "处置中"
    assert isinstance(sheet["G2"].value, dt.datetime) and sheet["G2"].is_date
    assert abs(reported - beijing(incident.reported_at)) < dt.timedelta(seconds=1)  # Beijing time, naive
    assert abs(assessed_at - beijing(incident.assessed_at)) < dt.timedelta(seconds=1)
    assert ended is None and filed is None
    assert sheet.freeze_panes == "A2"


def test_the_incident_export_applies_the_lists_filters(client, org):
    two = assessed(org, level=2)
    three = assessed(org, level=3)
    report(org)
    client.force_login(org.p.clerk)

    def numbers(query):
        return [r[0] for r in rows(workbook(client.get(reverse("incidents:list_xlsx"), query)).active)[1:]]

    assert numbers({"level": "2"}) == [two.number]
    assert numbers({"level": "3"}) == [three.number]
    assert len(numbers({})) == 3
    assert numbers({"ordering": "number"}) == sorted(numbers({}))
    assert len(numbers({"level": "九"})) == 3  # a broken filter is left out, as on the list


def test_a_liaison_exports_only_what_he_may_see(client, org):
    own = report(org)
    other = report(org, reporter=org.p.rsc_liaison, title="人事处的舆情")
    client.force_login(org.p.rsc_liaison)
    numbers = [r[0] for r in rows(workbook(client.get(reverse("incidents:list_xlsx"))).active)[1:]]
    assert numbers == [other.number] and own.number not in numbers
    client.force_login(org.p.outsider)
    assert rows(workbook(client.get(reverse("incidents:list_xlsx"))).active)[1:] == []


def test_an_export_past_the_limit_is_refused_in_chinese(client, org, monkeypatch):
    report(org)
    report(org)
    monkeypatch.setattr(exports, "EXPORT_ROW_LIMIT", 1)
    client.force_login(org.p.clerk)
    response = client.get(reverse("incidents:list_xlsx"), {"level": ""}, follow=True)
    assert "超过单次导出上限 1 条" in response.content.decode()


def test_the_list_page_links_its_export_with_its_query(client, org):
    client.force_login(org.p.clerk)
    page = client.get(reverse("incidents:list"), {"level": "2", "page": "1"}).content.decode()
    assert 'href="/incidents/export.xlsx?level=2"' in page


def test_the_yearly_evaluation_exports_its_tables(client, org):
    year = selectors.current_year()
    assessed(org, level=2)
    services.ledger_entry_create(actor=org.p.clerk, kind=LedgerEntry.Kind.REWARD, department=org.xsc,
                                 subject_name="学校网络舆情信息平台", decision="奖励", decided_by="学校党委",
                                 decided_on=timezone.localdate())  # fmt: skip
    client.force_login(org.p.leader)
    book = workbook(client.get(reverse("evaluation:index_xlsx"), {"year": year}))
    assert book.sheetnames == ["部门", "部门负责人", "台账汇总"]  # no weights: no score, no weights sheet
    header, *data = rows(book["部门"])
    assert header[:6] == ("部门", "舆情总数", "一级舆情", "二级舆情", "三级舆情", "未研判")
    assert "得分" not in header and "奖励" in header
    xsc = next(r for r in data if r[0] == "学生处")
    assert xsc[1] == 1 and xsc[header.index("二级舆情")] == 1 and xsc[header.index("奖励")] == 1
    assert isinstance(xsc[1], int) and isinstance(xsc[header.index("逾期总时长（小时）")], int | float)
    heads = rows(book["部门负责人"])
    assert heads[0][:2] == ("负责人", "所负责部门")
    assert ("xsc_head", "学生处") in [r[:2] for r in heads[1:]]
    summary = rows(book["台账汇总"])
    assert summary[0] == ("部门", "表彰", "奖励", "批评教育", "问责", "纪律处分", "合计")
    assert ("学生处", 0, 1, 0, 0, 0, 1) in summary

    values = {name: Decimal(0) for name in ("base", *selectors.WEIGHTED_FIGURES)}
    services.weights_save(actor=org.p.clerk, year=year, values={**values, "base": Decimal(100), "rewards": Decimal(2)},
                          expected_version=None)  # fmt: skip
    book = workbook(client.get(reverse("evaluation:index_xlsx"), {"year": year}))
    assert book.sheetnames == ["部门", "部门负责人", "台账汇总", "考核权重"]
    header, *data = rows(book["部门"])
    xsc = next(r for r in data if r[0] == "学生处")
    assert header[-1] == "得分" and xsc[-1] == pytest.approx(102.0) and isinstance(xsc[-1], int | float)
    assert ("基础分", 100) in rows(book["考核权重"])


def test_the_ledger_exports_with_date_cells(client, org):
    incident = report(org)
    entry = services.ledger_entry_create(actor=org.p.clerk, kind=LedgerEntry.Kind.CRITICISM, department=org.xsc,
                                         person=org.p.xsc_liaison, decision="批评教育", decided_by="党群工作部",
                                         decided_on=dt.date(2025, 3, 4), incidents=[incident])  # fmt: skip
    client.force_login(org.p.clerk)
    book = workbook(client.get(reverse("evaluation:ledger_xlsx"), {"year": 2025}))
    sheet = book["台账"]
    header, data = rows(sheet)
    assert header[:4] == ("决定日期", "类别", "对象", "部门")
    assert data[:4] == (dt.datetime(2025, 3, 4), "批评教育", "xsc_liaison", "学生处")
    assert sheet["A2"].is_date and sheet["A2"].number_format == "yyyy-mm-dd"
    assert data[6] == incident.number and data[7] == 0 and isinstance(data[7], int)
    assert abs(data[9] - beijing(entry.recorded_at)) < dt.timedelta(seconds=1)
    assert rows(workbook(client.get(reverse("evaluation:ledger_xlsx"), {"year": 2024}))["台账"])[1:] == []
