"""Thin Celery entry points: take ids, call one function, return. No ETA/countdown task is ever the record
of a deadline (the database is); retries are driven by the database too (see incidents.delivery).

The services import these tasks (to queue them); the tasks import the services inside the function, so the
two never import each other at load time.
"""

from celery import shared_task


@shared_task(ignore_result=True)
def sweep_deadlines() -> int:
    from . import engine

    return engine.run_once().processed


@shared_task(ignore_result=True)
def deliver_notice(notice_id: int) -> str:
    from . import delivery

    return delivery.deliver(notice_id)
