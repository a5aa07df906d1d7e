"""Thin Celery entry points of the work archive: take an id, call one service, return."""

from celery import shared_task

# A dossier of a long level-1 case takes seconds; a period export many dossiers. The Redis visibility
# timeout (10 min) may hand a long export to a second worker: the claim in the row makes that copy a no-op.
EXPORT_TIME_LIMIT = 60 * 60


@shared_task(ignore_result=True)
def build_dossier(dossier_id: int) -> str:
    from . import services  # inside: the services import these tasks to queue them

    return services.dossier_build(dossier_id=dossier_id)


@shared_task(ignore_result=True, time_limit=EXPORT_TIME_LIMIT, soft_time_limit=EXPORT_TIME_LIMIT - 60)
def build_export(export_id: int) -> str:
    from . import services

    return services.export_build(export_id=export_id)


@shared_task(ignore_result=True)
def resume_jobs() -> int:
    from . import services

    return services.jobs_resume()
