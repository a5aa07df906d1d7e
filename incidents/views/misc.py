"""Evidence downloads and the health endpoint."""

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from django.views.decorators.http import require_GET

from .. import access, engine, selectors, uploads


@login_required
def evidence_download(request, pk: int):
    """Evidence only through here: access checked, never sniffed into HTML. A download by default;
    `?thumb=1` is a screenshot's thumbnail and `?inline=1` the screenshot itself in the browser (images only)."""
    evidence = selectors.evidence_get(pk=pk)
    if evidence is None or not access.can_view(request.user, evidence.incident):
        raise Http404("文件不存在")
    if request.GET.get("thumb"):
        return uploads.thumbnail_response(evidence)
    return uploads.attachment_response(evidence, inline=bool(request.GET.get("inline")))


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
