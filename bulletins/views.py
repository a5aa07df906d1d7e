"""The pages of 舆情通报; the first line of each asks bulletins.access."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from opinion_system.errors import DomainError, StaleObject
from opinion_system.forms import filters_open
from reports.pdf import PdfUnavailable

from . import access, rendering, selectors, services
from .forms import BulletinForm, FilterForm, PeriodForm, ReturnForm, TemplateForm, default_period
from .models import Bulletin, BulletinReading, BulletinTemplate

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@login_required
@require_GET
def bulletin_list(request):
    """舆情通报: the office and the leadership see every one; a department's people the issued ones sent to it."""
    access.require_list(request.user)
    form = FilterForm(request.GET or None)
    chosen = form.cleaned_data if form.is_valid() else {}
    bulletins = selectors.bulletin_list(
        bulletins=access.bulletins_visible_to(request.user),
        year=chosen.get("year"),
        status=chosen.get("status") or "",
    ).annotate(
        read_by_me=Exists(BulletinReading.objects.filter(receipt__bulletin=OuterRef("pk"), user=request.user))
    )
    context = {
        "form": form,
        "bulletins": bulletins,
        "may_draft": access.may_draft(request.user),
        "reads_all": access.reads_all(request.user),
        "filters_open": filters_open(request, form),
    }
    return render(request, "bulletins/list.html", context, status=400 if form.errors else 200)


def _period(data) -> tuple[PeriodForm, tuple[dt.date, dt.date]]:
    """The period asked for (?period_start=&period_end=), the last 30 days when none or invalid."""
    form = PeriodForm(data if data and "period_start" in data else None, initial=dict(zip(
        ("period_start", "period_end"), default_period(), strict=True
    )))  # fmt: skip
    if form.is_bound and form.is_valid():
        return form, (form.cleaned_data["period_start"], form.cleaned_data["period_end"])
    return form, default_period()


def _form_page(request, *, bulletin: Bulletin | None, form: BulletinForm, period, period_form, status=200):
    figures = selectors.figures_snapshot(
        user=request.user, first=period[0], last=period[1], now=timezone.now()
    )
    context = {
        "bulletin": bulletin,
        "form": form,
        "period_form": period_form,
        "figures": figures,
        "figure_lines": rendering.figures_lines(figures),
    }
    return render(request, "bulletins/form.html", context, status=status)


def _fields(data: dict) -> dict:
    return {
        "title": data["title"],
        "body": data["body"],
        "period_start": data["period_start"],
        "period_end": data["period_end"],
        "incidents": list(data["incidents"]),
        "recipients": list(data["recipients"]),
    }


@login_required
def bulletin_create(request):
    """拟稿: the office writes the bulletin; the figures of the chosen period are shown and kept with it."""
    access.require_office(request.user)
    if request.method != "POST":
        period_form, period = _period(request.GET)
        form = BulletinForm(
            period=period,
            initial={
                "period_start": period[0],
                "period_end": period[1],
                "recipients": list(selectors.active_departments()),
            },
        )
        return _form_page(request, bulletin=None, form=form, period=period, period_form=period_form)
    period_form, period = _period(request.POST)
    form = BulletinForm(request.POST, period=period)
    if form.is_valid():
        try:
            bulletin = services.bulletin_create(actor=request.user, **_fields(form.cleaned_data))
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "通报草稿已保存。")
            return redirect("bulletins:detail", pk=bulletin.pk)
    return _form_page(request, bulletin=None, form=form, period=period, period_form=period_form, status=400)


@login_required
def bulletin_edit(request, pk: int):
    bulletin = access.access_bulletin(request.user, pk)
    access.require_office(request.user)
    if bulletin.status != Bulletin.Status.DRAFT:
        messages.error(request, f"通报当前为“{bulletin.get_status_display()}”，只有草稿可以修改。")
        return redirect("bulletins:detail", pk=bulletin.pk)
    chosen = list(bulletin.incidents.values_list("pk", flat=True))
    if request.method != "POST":
        period_form, period = _period(request.GET)
        if not period_form.is_bound:
            period = (bulletin.period_start, bulletin.period_end)
            period_form = PeriodForm(initial={"period_start": period[0], "period_end": period[1]})
        form = BulletinForm(
            period=period,
            chosen=chosen,
            initial={
                "title": bulletin.title,
                "body": bulletin.body,
                "period_start": period[0],
                "period_end": period[1],
                "incidents": chosen,
                "recipients": list(bulletin.recipients.values_list("pk", flat=True)),
                "version": bulletin.version,
            },
        )
        return _form_page(request, bulletin=bulletin, form=form, period=period, period_form=period_form)
    period_form, period = _period(request.POST)
    form = BulletinForm(request.POST, period=period, chosen=chosen)
    status = 400
    if form.is_valid():
        try:
            services.bulletin_update(
                actor=request.user,
                bulletin=bulletin,
                expected_version=form.cleaned_data["version"],
                **_fields(form.cleaned_data),
            )
        except DomainError as exc:
            status = 409 if isinstance(exc, StaleObject) else 400
            form.add_error(None, exc.message)
        else:
            messages.success(request, "通报草稿已修改。")
            return redirect("bulletins:detail", pk=bulletin.pk)
    return _form_page(
        request, bulletin=bulletin, form=form, period=period, period_form=period_form, status=status
    )


@login_required
@require_GET
def bulletin_detail(request, pk: int):
    bulletin = access.access_bulletin(request.user, pk)
    # Opening the page is the receipt (第四条: the departments are told; the office sees who has read it).
    services.bulletin_open(user=request.user, bulletin=bulletin)
    bulletin = selectors.bulletin_detail(bulletin=bulletin)
    user = request.user
    office, leader = access.may_draft(user), access.may_approve(user)
    status = bulletin.status
    S = Bulletin.Status
    context = {
        "bulletin": bulletin,
        "incidents": list(bulletin.incidents.all()),
        "recipients": list(bulletin.recipients.all()),
        "figure_lines": rendering.figures_lines(bulletin.figures),
        "receipts": selectors.receipts_table(bulletin=bulletin) if access.may_see_receipts(user) else None,
        # A link into an incident for those who see every incident; the recipients read number and title only.
        "link_incidents": access.reads_all(user),
        "may_edit": office and status == S.DRAFT,
        "may_submit": office and status == S.DRAFT,
        "may_approve": leader and status == S.PENDING,
        "may_issue": office and status == S.APPROVED,
        "return_form": ReturnForm(auto_id="r-%s") if leader and status == S.PENDING else None,
    }
    return render(request, "bulletins/detail.html", context)


ACTIONS = {
    "submit": (access.require_office, services.bulletin_submit, "通报已送领导小组审批。"),
    "approve": (access.require_leadership, services.bulletin_approve, "通报已批准，待办公室印发。"),
    "return": (access.require_leadership, services.bulletin_return, "通报已退回办公室修改。"),
    "issue": (access.require_office, services.bulletin_issue, "通报已印发，各印发部门已收到通知。"),
}


@login_required
@require_POST
def bulletin_action(request, pk: int, name: str):
    bulletin = access.access_bulletin(request.user, pk)
    if name not in ACTIONS:
        raise Http404("没有这个操作")
    require, service, done = ACTIONS[name]
    require(request.user)
    extra = {}
    if name == "return":
        form = ReturnForm(request.POST, auto_id="r-%s")
        if not form.is_valid():
            messages.error(request, "退回须填写意见。")
            return redirect("bulletins:detail", pk=bulletin.pk)
        extra["comment"] = form.cleaned_data["comment"]
    try:
        bulletin = service(actor=request.user, bulletin=bulletin, **extra)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{bulletin.number_text}：{done}" if name == "issue" else done)
    return redirect("bulletins:detail", pk=bulletin.pk)


def _filename(bulletin: Bulletin, suffix: str) -> str:
    number = f"{bulletin.year}-{bulletin.number}" if bulletin.number else f"草稿{bulletin.pk}"
    return f"舆情通报{number}.{suffix}"


@login_required
@require_GET
def bulletin_pdf(request, pk: int):
    bulletin = access.access_bulletin(request.user, pk)
    services.bulletin_open(user=request.user, bulletin=bulletin)
    try:
        data = rendering.pdf(bulletin)
    except PdfUnavailable as exc:
        return HttpResponse(exc.message, status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = _disposition(_filename(bulletin, "pdf"), inline=True)
    return response


@login_required
@require_GET
def bulletin_docx(request, pk: int):
    bulletin = access.access_bulletin(request.user, pk)
    services.bulletin_open(user=request.user, bulletin=bulletin)
    try:
        data = rendering.docx(bulletin)
    except DomainError as exc:
        return HttpResponse(exc.message, status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type=DOCX_TYPE)
    response["Content-Disposition"] = _disposition(_filename(bulletin, "docx"))
    return response


def _disposition(name: str, *, inline: bool = False) -> str:
    from urllib.parse import quote

    return f"{'inline' if inline else 'attachment'}; filename*=UTF-8''{quote(name)}"


# --- the Word template ----------------------------------------------------------------------------------------


@login_required
def template_page(request):
    """通报模板: the office replaces the Word template (validated) or goes back to the one shipped."""
    access.require_office(request.user)
    form = TemplateForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.template_replace(actor=request.user, upload=form.cleaned_data["file"])
            except DomainError as exc:
                form.add_error("file", exc.message)
            else:
                messages.success(request, "Word 模板已更换，此后下载的通报按新模板生成。")
                return redirect("bulletins:template")
    context = {
        "form": form,
        "current": BulletinTemplate.objects.select_related("uploaded_by").filter(pk=1).first(),
    }
    return render(request, "bulletins/template.html", context, status=status)


@login_required
@require_POST
def template_reset(request):
    access.require_office(request.user)
    if services.template_reset(actor=request.user):
        messages.success(request, "已恢复默认模板。")
    else:
        messages.info(request, "当前使用的已是默认模板。")
    return redirect("bulletins:template")


@login_required
@require_GET
def template_download(request):
    access.require_office(request.user)
    source, custom = rendering.template_source()
    handle = source if custom is not None else open(source, "rb")  # noqa: SIM115 - FileResponse closes it
    return FileResponse(handle, as_attachment=True, filename="舆情通报模板.docx", content_type=DOCX_TYPE)
