"""The incident list as an Excel file, with the list's own filters, for whoever can see the list."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from opinion_system.spreadsheets import DATETIME, Book, Column, xlsx_response

from .. import access
from ..filters import IncidentFilter
from ..models import Category, Level, Status

# A bound on one download, so one request cannot hold a worker for minutes: a list wider than this is a filter
# left out by mistake (the whole college's incidents of several years); the office has the archive for that.
EXPORT_ROW_LIMIT = 100_000
CHUNK = 2000  # rows per round trip of the server-side cursor: memory stays flat whatever the count

COLUMNS = [
    Column("舆情编号", 14),
    Column("标题", 40),
    Column("舆情类别", 22),
    Column("响应级别", 10),
    Column("状态", 20),
    Column("责任部门", 18),
    Column("发现时间", 17, DATETIME),
    Column("上报时间", 17, DATETIME),
    Column("研判时间", 17, DATETIME),
    Column("处置结束时间", 17, DATETIME),
    Column("备案时间", 17, DATETIME),
    Column("上报人", 12),
]
FIELDS = (
    "number", "title", "category", "level", "status", "responsible_department__name", "discovered_at",
    "reported_at", "assessed_at", "disposal_ended_at", "filed_at", "reporter__full_name", "reporter__username",
)  # fmt: skip


@login_required
@require_GET
def incident_list_xlsx(request):
    """舆情列表 as .xlsx: exactly the rows the list shows this person with the same filters and order."""
    queryset = access.incidents_visible_to(request.user)
    filterset = IncidentFilter(request.GET or None, queryset=queryset, request=request)
    rows = filterset.qs
    # The list's order (incidents.views.pages.incident_list): the id breaks ties of a chosen sort.
    chosen = filterset.form.cleaned_data.get("ordering") if filterset.is_bound else None
    rows = rows.order_by(*rows.query.order_by, "-id") if chosen else rows.order_by("-reported_at", "-id")
    count = rows.count()
    if count > EXPORT_ROW_LIMIT:
        messages.error(
            request,
            f"符合条件的舆情共 {count} 条，超过单次导出上限 {EXPORT_ROW_LIMIT} 条，请缩小筛选范围（如上报日期）后再导出。",
        )
        query = request.GET.urlencode()
        return redirect(f"{reverse('incidents:list')}{'?' + query if query else ''}")
    categories, levels, statuses = dict(Category.choices), dict(Level.choices), dict(Status.choices)

    def build(book: Book) -> None:
        sheet = book.sheet("舆情列表", COLUMNS)
        for (number, title, category, level, status, department, discovered, reported, assessed, ended, filed,
             full_name, username) in rows.values_list(*FIELDS).iterator(chunk_size=CHUNK):  # fmt: skip
            sheet.row(
                [number, title, categories.get(category, ""), levels.get(level, "未研判"), statuses.get(status, status),
                 department, discovered, reported, assessed, ended, filed, full_name or username]
            )  # fmt: skip

    return xlsx_response(build, filename="舆情列表.xlsx", constant_memory=True)
