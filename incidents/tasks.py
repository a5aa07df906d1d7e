"""Thin Celery entry points: take ids, call one function, return. No ETA/countdown task is ever the record
of a deadline (the database is). Notice delivery is notifications.tasks.deliver_notice.

The services import these tasks (to queue them); the tasks import the services inside the function, so the
two never import each other at load time.
"""

from celery import shared_task


@shared_task(ignore_result=True)
def sweep_deadlines() -> int:
    from . import engine

    return engine.run_once().processed
