"""The Excel files of the yearly evaluation and the ledger, and the ledger's attachments as downloads."""

from django.conf import settings
from django.http import FileResponse

from opinion_system.spreadsheets import DATE, DATETIME, INT, NUMBER, Book, Column, xlsx_response

from . import selectors
from .models import WEIGHTED_FIGURES, EvaluationWeights, LedgerEntry

KIND_LABELS = list(LedgerEntry.Kind.labels)


def first_report_minutes() -> int:
    return settings.FIRST_REPORT_EXPECTED_MINUTES


def figure_columns(weights: EvaluationWeights | None) -> list[Column]:
    """The columns of a row of figures, in the order of the page."""
    columns = [Column("舆情总数", 9, INT)]
    columns += [Column(label, 9, INT) for label in selectors.LEVEL_LABELS]
    columns += [Column(label, 14, INT) for label in selectors.CATEGORY_LABELS]
    columns += [
        Column(f"首报迟报（超过{first_report_minutes()}分钟）", 12, INT),
        Column("互通信息缺报（次）", 11, INT),
        Column("处置表逾期报备", 11, INT),
        Column("通稿被党政办退回", 11, INT),
        Column("时限逾期（项）", 10, INT),
        Column("逾期总时长（小时）", 11, NUMBER),
        Column("最长逾期（小时）", 11, NUMBER),
        Column("被督办（次）", 10, INT),
        Column("零报告缺报（次）", 11, INT),
    ]
    columns += [Column(label, 9, INT) for label in KIND_LABELS]
    if weights is not None:
        columns.append(Column("得分", 10, NUMBER))
    return columns


def figure_values(figures: selectors.Figures, weights: EvaluationWeights | None) -> list:
    values = [figures.incidents, *figures.levels(), *figures.categories()]
    values += [
        figures.first_reports_late,
        figures.exchanges_missed,
        figures.filings_late,
        figures.statements_returned,
        figures.deadlines_overdue,
        figures.overdue_hours,
        figures.overdue_max_hours,
        figures.escalations,
        figures.nil_reports_missed,
        *figures.kinds(),
    ]
    if weights is not None:
        values.append(figures.score)
    return values


def evaluation_xlsx(evaluation: selectors.Evaluation) -> FileResponse:
    weights = evaluation.weights

    def build(book: Book) -> None:
        columns = figure_columns(weights)
        sheet = book.sheet("部门", [Column("部门", 22), *columns])
        sheet.rows([row.name, *figure_values(row.figures, weights)] for row in evaluation.departments)
        sheet = book.sheet("部门负责人", [Column("负责人", 14), Column("所负责部门", 24), *columns])
        sheet.rows(
            [row.name, "、".join(row.departments), *figure_values(row.figures, weights)]
            for row in evaluation.heads
        )
        sheet = book.sheet(
            "台账汇总",
            [Column("部门", 22), *(Column(k, 9, INT) for k in KIND_LABELS), Column("合计", 8, INT)],
        )
        sheet.rows(
            [row.name, *row.figures.kinds(), sum(row.figures.kinds())] for row in evaluation.departments
        )
        if weights is not None:
            sheet = book.sheet("考核权重", [Column("项目", 26), Column("权重", 10, NUMBER)])
            for name in ("base", *WEIGHTED_FIGURES):
                sheet.row([EvaluationWeights._meta.get_field(name).verbose_name, getattr(weights, name)])

    return xlsx_response(build, filename=f"{evaluation.year}年度目标绩效考核.xlsx")


def ledger_xlsx(entries) -> FileResponse:
    def build(book: Book) -> None:
        sheet = book.sheet(
            "台账",
            [
                Column("决定日期", 12, DATE),
                Column("类别", 10),
                Column("对象", 20),
                Column("部门", 18),
                Column("决定内容", 50),
                Column("决定机关", 16),
                Column("关联舆情", 24),
                Column("附件数", 8, INT),
                Column("登记人", 12),
                Column("登记时间", 17, DATETIME),
            ],
        )
        for entry in entries:
            sheet.row(
                [
                    entry.decided_on,
                    entry.get_kind_display(),
                    entry.subject,
                    entry.department.name,
                    entry.decision,
                    entry.decided_by,
                    "、".join(i.number for i in entry.incidents.all()),
                    entry.attachment_count,
                    entry.recorded_by.display_name,
                    entry.recorded_at,
                ]
            )

    return xlsx_response(build, filename="表彰与问责台账.xlsx")
