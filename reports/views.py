"""PDF downloads and the work archive's pages; the first line of each view asks incidents.access or
reports.access (404 for an incident the user may not see, 403 for a page of another role)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST, require_safe

from incidents import access as incident_access
from incidents.workflow import Action
from meetings import access as meeting_access
from meetings import selectors as meeting_selectors
from opinion_system.errors import DomainError, NotAllowed

from . import access, pdf, selectors, services, upward
from .forms import CaseSearchForm, ExportForm, UpwardBriefForm
from .pdf import minutes as minutes_pdf


def _private(response: HttpResponse) -> HttpResponse:
    # Forms and dossiers name people and an incident: never kept by a shared proxy or in the browser cache.
    patch_cache_control(response, private=True, no_store=True)
    return response


def _pdf_response(make, filename: str) -> HttpResponse:
    try:
        data = make()
    except pdf.PdfUnavailable as exc:
        # No fonts, or the render ran out of time: say so in Chinese instead of sending a broken file.
        return HttpResponse(exc.message, status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return _private(response)


@login_required
@require_safe
def disposal_form_pdf(request, pk: int):
    """The 处置表 of an incident, for whoever may see the incident (404 for anyone else)."""
    incident = incident_access.access_incident(request.user, pk)
    return _pdf_response(lambda: pdf.disposal_form_pdf(incident), f"处置表-{incident.number}.pdf")


@login_required
@require_safe
def blank_disposal_form_pdf(request):
    """The empty 处置表 for paper use: no incident data, so any signed-in person may print it."""
    return _pdf_response(pdf.blank_disposal_form_pdf, "处置表-空白.pdf")


@login_required
@require_safe
def meeting_minutes_pdf(request, pk: int):
    """会议纪要 (第四条) for whoever may see the meeting (404 for anyone else), as that person may read it."""
    meeting = meeting_access.access_meeting(request.user, pk)
    record = meeting_selectors.meeting_record(meeting=meeting, viewer=request.user)
    return _pdf_response(
        lambda: minutes_pdf.render(record), f"会议纪要-{meeting.held_at:%Y%m%d}-{meeting.pk}.pdf"
    )


# --- the 专报 to the superior authority (第九条) ------------------------------------------------------------


@login_required
def upward_brief(request, pk: int):
    """专报: the office edits the draft drawn from the incident and downloads it as Word or PDF.

    Only the office (it reports to the superior authority, 第九条); anyone else who sees the incident gets 403,
    anyone who does not 404.
    """
    incident = incident_access.access_incident(request.user, pk, Action.REPORT_UPWARD)
    if request.method == "POST":
        form = UpwardBriefForm(request.POST)
        if form.is_valid():
            title, text = form.cleaned_data["title"], form.cleaned_data["text"]
            name = f"专报-{incident.number}"
            if form.cleaned_data["format"] == "pdf":
                return _pdf_response(lambda: upward.brief_pdf(title=title, text=text), f"{name}.pdf")
            response = HttpResponse(
                upward.brief_docx(title=title, text=text),
                content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            )
            response["Content-Disposition"] = content_disposition_header(True, f"{name}.docx")
            return _private(response)
        status = 400
    else:
        form = UpwardBriefForm(
            initial={
                "title": upward.brief_title(incident),
                "text": upward.brief_text(incident),
                "format": "docx",
            }
        )
        status = 200
    context = {"incident": incident, "form": form}
    return _private(render(request, "reports/upward_brief.html", context, status=status))


# --- the dossier of one incident --------------------------------------------------------------------------


def _card(request, incident, *, error: str = "", status: int = 200) -> HttpResponse:
    dossier = selectors.dossier_of(incident)
    context = {
        "incident": incident,
        "dossier": dossier,
        "versions": selectors.dossier_versions(dossier),
        "can_manage": access.can_manage_archive(request.user),
        "stalled": bool(dossier and services.job_is_stalled(dossier)),
        "error": error,
    }
    return _private(render(request, "reports/_dossier_card.html", context, status=status))


@login_required
@require_safe
def dossier_card(request, pk: int):
    """The 工作档案 card of the incident page (htmx): state, progress while drawn, download, checks."""
    incident = incident_access.access_incident(request.user, pk)
    return _card(request, incident)


def _dossier_action(request, pk: int, service) -> HttpResponse:
    incident = incident_access.access_incident(request.user, pk)
    access.require_manage_archive(request.user)
    error = ""
    try:
        service(incident=incident, actor=request.user)
    except NotAllowed:
        raise  # a 403 (NotAllowed is a PermissionDenied), not a message on the card
    except DomainError as exc:
        error = exc.message
    if request.htmx:
        return _card(request, incident, error=error)
    if error:
        messages.error(request, error)
    return redirect(reverse("incidents:detail", args=[incident.pk]) + "#dossier-card")


@login_required
@require_POST
def dossier_generate(request, pk: int):
    return _dossier_action(request, pk, services.dossier_regenerate)


@login_required
@require_POST
def dossier_verify(request, pk: int):
    return _dossier_action(request, pk, services.dossier_verify)


@login_required
@require_safe
def dossier_download(request, pk: int):
    """The stored dossier PDF, for whoever may see the incident; refused when it no longer matches."""
    incident = incident_access.access_incident(request.user, pk)
    dossier = selectors.dossier_of(incident)
    if dossier is None:
        return HttpResponse("该舆情还没有工作档案。", status=404, content_type="text/plain; charset=utf-8")
    try:
        content = services.dossier_file_for_download(dossier)
    except DomainError as exc:
        return HttpResponse(exc.message, status=409, content_type="text/plain; charset=utf-8")
    response = FileResponse(
        content,
        content_type="application/pdf",
        as_attachment=False,
        filename=f"工作档案-{incident.number}.pdf",
    )
    response["X-Content-SHA256"] = dossier.sha256
    return _private(response)


@login_required
@require_safe
def dossier_version_download(request, pk: int, version: int):
    """An earlier file of the dossier (kept when it was drawn again), refused when it no longer matches."""
    incident = incident_access.access_incident(request.user, pk)
    kept = selectors.dossier_version_get(incident=incident, pk=version)
    if kept is None:
        raise Http404("该版本不存在")
    try:
        content = services.dossier_version_file(kept)
    except DomainError as exc:
        return HttpResponse(exc.message, status=409, content_type="text/plain; charset=utf-8")
    response = FileResponse(
        content,
        content_type="application/pdf",
        as_attachment=False,
        filename=f"工作档案-{incident.number}-第{kept.generation}版.pdf",
    )
    response["X-Content-SHA256"] = kept.sha256
    return _private(response)


# --- the office's archive page and period exports ---------------------------------------------------------


@login_required
def archive_page(request):
    """工作档案: the state of the dossiers and the period exports (ZIP) with their progress."""
    access.require_manage_archive(request.user)
    form = ExportForm(request.POST or None) if request.method == "POST" else ExportForm.default()
    if request.method == "POST" and form.is_valid():
        try:
            services.export_request(
                actor=request.user, start=form.cleaned_data["start"], end=form.cleaned_data["end"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "已开始导出，完成后可在下方下载。")
            return redirect("reports:archive")
    context = {
        "form": form,
        "summary": selectors.archive_summary(),
        "attention": selectors.dossiers_needing_attention(),
        "exports": selectors.recent_exports(),
    }
    return _private(render(request, "reports/archive.html", context, status=400 if form.errors else 200))


@login_required
@require_safe
def export_row(request, pk: int):
    """One export's row (htmx polls it while the job runs)."""
    access.require_manage_archive(request.user)
    export = selectors.export_get(pk=pk)
    if export is None:
        raise Http404("导出不存在")
    return _private(render(request, "reports/_export_row.html", {"e": export}))


@login_required
@require_safe
def export_download(request, pk: int):
    access.require_manage_archive(request.user)
    export = selectors.export_get(pk=pk)
    if export is None:
        raise Http404("导出不存在")
    if not export.file or export.status != "done":
        return HttpResponse(
            "导出尚未完成，请稍后再试。", status=409, content_type="text/plain; charset=utf-8"
        )
    try:
        handle = export.file.open("rb")
    except FileNotFoundError:
        return HttpResponse(
            "导出文件已不存在，请重新导出。", status=410, content_type="text/plain; charset=utf-8"
        )
    filename = f"工作档案-{export.period_start:%Y%m%d}-{export.period_end:%Y%m%d}.zip"
    response = FileResponse(handle, content_type="application/zip", as_attachment=True, filename=filename)
    response["X-Content-SHA256"] = export.sha256
    return _private(response)


# --- 案例库 -------------------------------------------------------------------------------------------------

CASES_PER_PAGE = 20


@login_required
@require_safe
def case_library(request):
    """案例库 (第十四条): archived cases with their review conclusions, for reference in similar cases."""
    visible = access.case_library_cases(request.user)
    form = CaseSearchForm(request.GET or None)
    wanted = form.cleaned_data if form.is_valid() else {}
    cases = selectors.case_library(
        cases=visible,
        q=wanted.get("q") or "",
        category=wanted.get("category") or "",
        level=wanted.get("level"),
    )
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    own_only = not incident_access.sees_all(request.user)
    context = {"form": form, "page": page, "query": query.urlencode(), "own_only": own_only}
    return _private(render(request, "reports/cases.html", context))
