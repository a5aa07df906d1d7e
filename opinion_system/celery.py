"""Celery application; the deadline sweep and notice delivery are registered here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opinion_system.settings")

app = Celery("opinion_system")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
