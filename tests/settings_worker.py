"""Settings for the real Celery worker started by tests/incidents/test_engine_delivery.py (a subprocess).

The test settings, plus two things the worker must do differently from the in-process test run:
- mail goes to files under $WORKER_EMAIL_DIR, so the test can count what the worker really sent;
- tasks the worker itself sends (the sweep task queues deliveries) go through the broker, as in production.
"""

import os

from opinion_system.settings_test import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["WORKER_EMAIL_DIR"]
CELERY_TASK_ALWAYS_EAGER = False
