"""Thin Celery entry points of 重点监测."""

from celery import shared_task


@shared_task(ignore_result=True)
def sweep_nil_reports() -> int:
    from . import sweep

    result = sweep.run_once()
    return result.opened + result.reminded + result.overdue
