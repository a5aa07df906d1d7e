"""The auditor's page: the security log with filters, its CSV export and the chain's last verification."""

import csv

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from opinion_system.forms import filters_open

from . import access, selectors, services

EXPORT_COLUMNS = [
    "序号",
    "时间",
    "事件",
    "结果",
    "用户ID",
    "用户名",
    "地址",
    "请求路径",
    "对象",
    "详情",
    "本条哈希",
]


@login_required
@require_GET
def log(request):
    access.require_read_log(request.user)
    found = selectors.events(request.GET)
    page = Paginator(found.qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {
            "filter": found,
            "page": page,
            "query": query.urlencode(),
            "verified": selectors.last_verification(),
            "filters_open": filters_open(request, found.form),
        },
    )


class _Echo:
    def write(self, value):
        return value


def _rows(events):
    yield "\ufeff"  # Excel opens a UTF-8 CSV as such only with the byte-order mark
    writer = csv.writer(_Echo())
    yield writer.writerow(EXPORT_COLUMNS)
    for e in events.iterator(chunk_size=2000):
        yield writer.writerow([
            e.seq, timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.get_kind_display(),
            e.get_result_display(), e.user_id or "", e.username, e.ip or "", e.path, e.target, e.detail, e.row_hash,
        ])  # fmt: skip


@login_required
@require_GET
def export(request):
    access.require_read_log(request.user)
    found = selectors.events(request.GET)
    services.record(kind=services.Kind.EXPORT, user=request.user, request=request, target="安全日志 CSV",
                    detail=request.GET.urlencode()[:1000])  # fmt: skip
    response = StreamingHttpResponse(_rows(found.qs), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="security-log-{stamp}.csv"'
    response.security_logged = True  # recorded above as an export, with its filters
    return response
