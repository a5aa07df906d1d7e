"""Printed forms as PDF, drawn by WeasyPrint from HTML templates.

Fast: templates, stylesheets and WeasyPrint's FontConfiguration (with the CJK faces cut down to GB2312) are
built once per process; a form's bytes are cached in Django's cache until what it prints changes.
Safe: templates auto-escape; WeasyPrint may open only our own static files (fetcher.StaticOnlyFetcher);
a render has a time limit (engine._time_limit); without the Noto CJK fonts nothing is printed
(FontMissing: "缺少中文字体 fonts-noto-cjk，无法生成处置表").

Call warm_up() in each worker process once it exists (gunicorn post_fork, Celery worker_process_init).
"""

import logging
import time

# WeasyPrint logs every step of every render (and of its own import) at INFO: keep its warnings only.
# Set before weasyprint is first imported; a LOGGING setting naming "weasyprint.progress" still wins.
if logging.getLogger("weasyprint.progress").level == logging.NOTSET:
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from . import engine
from .disposal_form import (
    BLANK,
    SAMPLE,
    FormData,
    blank_disposal_form_pdf,
    disposal_form_pdf,
    form_data,
    render,
    verification_code,
)
from .engine import FontMissing, PdfUnavailable, RenderTimeout, reset, stats

__all__ = [
    "BLANK",
    "SAMPLE",
    "FontMissing",
    "FormData",
    "PdfUnavailable",
    "RenderTimeout",
    "blank_disposal_form_pdf",
    "disposal_form_pdf",
    "engine",
    "form_data",
    "render",
    "reset",
    "stats",
    "verification_code",
    "warm_up",
]


def warm_up(*, dossier: bool = False) -> float:
    """Build this process's fonts, stylesheets and templates and draw a sample form; returns the seconds.

    dossier=True (Celery workers, where dossiers are drawn) also parses the dossier's template and stylesheet.
    Raises FontMissing when the CJK fonts are not installed, so a worker fails loudly at start.
    """
    started = time.perf_counter()
    engine.state()
    render(SAMPLE)
    if dossier:
        from . import dossier as dossier_pdf

        engine.template(dossier_pdf.TEMPLATE)
        engine.stylesheet(dossier_pdf.STYLESHEET)
    return time.perf_counter() - started
