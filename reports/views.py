"""PDF downloads of the printed forms; the first line of each view asks incidents.access."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe

from incidents import access

from . import pdf


def _pdf_response(make, filename: str) -> HttpResponse:
    try:
        data = make()
    except pdf.PdfUnavailable as exc:
        # No fonts, or the render ran out of time: say so in Chinese instead of sending a broken file.
        return HttpResponse(exc.message, status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    # The form names people and an incident: never kept by a shared proxy or in the browser cache.
    patch_cache_control(response, private=True, no_store=True)
    return response


@login_required
@require_safe
def disposal_form_pdf(request, pk: int):
    """The 处置表 of an incident, for whoever may see the incident (404 for anyone else)."""
    incident = access.access_incident(request.user, pk)
    return _pdf_response(lambda: pdf.disposal_form_pdf(incident), f"处置表-{incident.number}.pdf")


@login_required
@require_safe
def blank_disposal_form_pdf(request):
    """The empty 处置表 for paper use: no incident data, so any signed-in person may print it."""
    return _pdf_response(pdf.blank_disposal_form_pdf, "处置表-空白.pdf")
