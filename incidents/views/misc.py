"""Evidence downloads, the bell and the health endpoint."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from .. import access, engine, selectors
from .redirects import safe_next


@login_required
def evidence_download(request, pk: int):
    """Evidence only through here: access checked, always an attachment, never sniffed into HTML."""
    evidence = selectors.evidence_get(pk=pk)
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


@login_required
def notice_list(request):
    """The bell's page: every in-app notice of the user, unread first marked."""
    page = Paginator(selectors.notice_list(user=request.user), 30).get_page(request.GET.get("page"))
    page.object_list = selectors.notice_list_as_seen(user=request.user, notices=page.object_list)
    return render(request, "incidents/notices.html", {"page": page})


@login_required
@require_POST
def notice_mark_read(request):
    """Mark one notice (id in the form) or all of the user's notices read; another's id changes nothing."""
    notices = selectors.notice_list(user=request.user).filter(read_at__isnull=True)
    notice_id = request.POST.get("id", "")
    if notice_id:
        # isdigit alone accepts "²", which int() refuses
        if not (notice_id.isascii() and notice_id.isdigit()):
            raise Http404("通知不存在")
        notices = notices.filter(pk=int(notice_id))
    notices.update(read_at=timezone.now())
    return redirect(safe_next(request, reverse("incidents:notices")))  # only back into this site


@require_GET
def health(request):
    """For monitoring: the database answers and the deadline sweep ran within the last few minutes."""
    try:
        scheduler = engine.scheduler_status()  # reads the heartbeat row: the database answered
        database = "ok"
    except DatabaseError:  # the page must answer even when the database does not
        database = "unavailable"
        scheduler = {"ok": False, "last_sweep_at": None, "age_seconds": None}
    healthy = database == "ok" and scheduler["ok"]
    body = {
        "status": "ok" if healthy else "error",
        "database": database,
        "scheduler": "ok" if scheduler["ok"] else "stopped",
        "last_sweep_at": scheduler["last_sweep_at"].isoformat() if scheduler["last_sweep_at"] else None,
        "last_sweep_age_seconds": scheduler["age_seconds"],
    }
    return JsonResponse(body, status=200 if healthy else 503, json_dumps_params={"ensure_ascii": False})
