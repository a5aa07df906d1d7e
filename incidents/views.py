"""Minimal signed-in pages until the full interface exists; every view asks incidents.access first."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone

from departments.selectors import roles_of

from . import access, selectors
from .models import Evidence


@login_required
def home(request):
    incidents = selectors.incident_list(request.user)[:25]
    return render(
        request,
        "incidents/home.html",
        {
            "roles": sorted(role.label for role in roles_of(request.user)),
            "incidents": incidents,
            "deadlines": selectors.open_deadlines_for(request.user)[:10],
            "unread": selectors.unread_notice_count(request.user),
            "now": timezone.now(),
        },
    )


@login_required
def incident_detail(request, pk: int):
    incident = access.access_incident(request.user, pk)
    return render(
        request,
        "incidents/detail.html",
        {
            "incident": incident,
            "timeline": selectors.incident_timeline(incident),
            "sources": incident.sources.all(),
            "evidence": incident.evidence.all(),
            "deadlines": incident.deadlines.all(),
        },
    )


@login_required
def evidence_download(request, pk: int):
    """Evidence only through here: access checked, always an attachment, never sniffed into HTML."""
    evidence = Evidence.objects.filter(pk=pk).select_related("incident").first()
    if evidence is None or not access.can_view(request.user, evidence.incident):
        raise Http404("文件不存在")
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("文件不存在") from None
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
