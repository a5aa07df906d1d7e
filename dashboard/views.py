"""领导驾驶舱: the leaders' figures for a period, each one a way into the incident list."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from incidents import access
from incidents.rules import FILING_HOURS

from . import selectors
from .charts import chart_data
from .forms import PeriodForm

REFUSED = "只有领导小组、学校党政主要领导、分管院领导和领导小组办公室可以查看领导驾驶舱。"


@login_required
@require_safe
def index(request):
    """The dashboard; ?print=1 gives its print layout (A4, no navigation)."""
    if not access.can_see_overview(request.user):
        raise PermissionDenied(REFUSED)
    form = PeriodForm(request.GET or None)
    period = form.period()
    figures = selectors.dashboard_get(user=request.user, period=period, now=timezone.now(), cached=True)
    printing = request.GET.get("print") == "1"
    query = request.GET.copy()
    query.pop("print", None)
    context = {
        "form": form,
        "figures": figures,
        "data": chart_data(figures),
        "period": period,
        "query": query.urlencode(),
        "printed_at": timezone.localtime(),
        "clocks": clocks(figures["timeliness"]),
    }
    return render(request, "dashboard/print.html" if printing else "dashboard/index.html", context)


def clocks(timeliness: dict) -> list[dict]:
    """The three clocks of the regulation the dashboard measures, each with its rule as people read it."""
    first, assess = settings.FIRST_REPORT_EXPECTED_MINUTES, settings.ASSESSMENT_EXPECTED_MINUTES
    described = [
        ("first_report", "发现 → 上报党群工作部", f"第七条“第一时间”：发现后 {first} 分钟内上报为按时。"),
        ("assessment", "上报 → 研判", f"上报后 {assess} 分钟内研判为按时；超过时间仍未研判的计为超时。"),
        (
            "filing",
            "处置结束 → 报送处置表",
            f"第十条：处置结束 {FILING_HOURS} 小时内报送为按时；逾期仍未报送的计为超时。",
        ),
    ]
    return [
        {"kind": kind, "title": title, "rule": rule, **timeliness[kind]} for kind, title, rule in described
    ]
