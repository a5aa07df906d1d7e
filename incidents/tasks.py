"""Thin Celery entry points: take ids, call one function, return. No ETA/countdown task is ever the record
of a deadline (the database is); retries are driven by the database too (see incidents.delivery)."""

from celery import shared_task

from . import delivery, engine


@shared_task(ignore_result=True)
def sweep_deadlines() -> int:
    return engine.run_once().processed


@shared_task(ignore_result=True)
def deliver_notice(notice_id: int) -> str:
    return delivery.deliver(notice_id)
