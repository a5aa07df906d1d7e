"""Celery application; the deadline sweep and notice delivery are registered here."""

import logging
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opinion_system.settings")

app = Celery("opinion_system")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _warm_pdf(**kwargs) -> None:
    """Each Celery worker process builds the PDF engine once, after the fork (dossiers are rendered there)."""
    try:
        from reports.pdf import warm_up

        warm_up(dossier=True)
    except Exception:  # a PDF problem (e.g. missing fonts) must never stop notices from going out
        logging.getLogger(__name__).exception("处置表 PDF 预热失败")
