"""Thin Celery entry points of the meetings: take ids, call one function, return."""

from celery import shared_task


@shared_task(ignore_result=True)
def sweep_risk_items() -> int:
    from . import engine

    return engine.run_once()[0]
