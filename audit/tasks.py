"""The daily verification of both audit chains (Celery beat); its verdict is an event on the auditor's page."""

from celery import shared_task
from django.core.management import CommandError, call_command


@shared_task(name="audit.tasks.verify_audit")
def verify_audit() -> bool:
    try:
        call_command("verify_audit")
    except CommandError:
        return False  # recorded as a failed verification, which the auditor's page shows in red
    return True
