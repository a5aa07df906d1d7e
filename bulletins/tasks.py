"""Thin Celery entry points of 舆情通报."""

from celery import shared_task


@shared_task(ignore_result=True)
def remind_unread_bulletins() -> int:
    from . import services

    return services.remind_unread()
