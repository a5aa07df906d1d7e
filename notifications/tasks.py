"""Thin Celery entry points: take ids, call one function, return. Retries are driven by the database (see
notifications.delivery), never by an ETA task.

The task keeps the name it was registered under when it lived in incidents.tasks, so messages already waiting
in Redis when this version is deployed still find it.
"""

from celery import shared_task


@shared_task(name="incidents.tasks.deliver_notice", ignore_result=True)
def deliver_notice(notice_id: int) -> str:
    from . import delivery

    return delivery.deliver(notice_id)
