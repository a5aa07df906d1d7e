"""工作档案 (第十四条) as one PDF: cover, the 处置表 as printed, and the whole record of the case.

One WeasyPrint render of templates/reports/pdf/dossier.html with the form's stylesheet and the dossier's own
(which comes second and redraws the page margins), so page numbers run through the whole dossier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from . import engine
from .disposal_form import STYLESHEET as FORM_STYLESHEET
from .disposal_form import form_context, verification_code

if TYPE_CHECKING:
    from reports.selectors import DossierData

TITLE = "自贡职业技术学院网络舆情工作档案"
TEMPLATE = "reports/pdf/dossier.html"
STYLESHEET = "reports/dossier.css"
# A dossier is longer than a form (a level-1 case can have hundreds of events); it is drawn in a Celery
# worker, where CELERY_TASK_TIME_LIMIT is the outer bound.
TIMEOUT_SECONDS = float(getattr(settings, "REPORTS_DOSSIER_TIMEOUT_SECONDS", 90))


def render(data: DossierData, *, timeout: float | None = None) -> bytes:
    """The dossier PDF of `data`, drawn now (a dossier is stored, never cached)."""
    now = timezone.localtime(timezone.now(), timezone.get_default_timezone())
    context = {
        **form_context(data.form),
        "dossier_title": TITLE,
        "x": data,
        "form_code": verification_code(data.form),
        "data_code": data.digest[:16],
        "dossier_generated": f"{now:%Y-%m-%d %H:%M}",
    }
    html = engine.template(TEMPLATE).render(context)
    return engine.render_html(
        html, [FORM_STYLESHEET, STYLESHEET], timeout=TIMEOUT_SECONDS if timeout is None else timeout
    )
