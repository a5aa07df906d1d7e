"""Every write of the work archive (工作档案, 第十四条): dossiers and period exports.

A job is a row. Requesting one writes the row in the caller's transaction and queues the Celery task once it
commits; the task claims the row with a conditional UPDATE (so a duplicate delivery, a second worker or a
re-queued copy does nothing), reports its progress on the row as it goes (the browser polls it) and stores
the file with its SHA-256. `jobs_resume()` (every minute, with the deadline sweep) queues again what a
broker outage or a killed worker left behind; after MAX_ATTEMPTS claims a job is marked failed.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import tempfile
import uuid
import zipfile
from collections.abc import Callable

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from departments.models import User
from incidents.models import Incident, Status
from opinion_system import claims, clock
from opinion_system.cache import broker_ready, publish
from opinion_system.errors import DomainError
from opinion_system.stamps import stamp

from . import access, selectors
from .models import ArchiveExport, Dossier, DossierVersion, Job, JobStatus
from .pdf import PdfUnavailable
from .pdf import dossier as dossier_pdf
from .tasks import build_dossier as build_dossier_task
from .tasks import build_export as build_export_task

logger = logging.getLogger(__name__)

DOSSIER_DIR = "archive/dossiers"
EXPORT_DIR = "archive/exports"
# A worker's hold on a job, renewed at every step it reports: longer than any one step (a dossier is drawn
# within CELERY_TASK_TIME_LIMIT), so a live worker keeps even a long export; a dead worker's job is free
# after it.
LEASE = dt.timedelta(minutes=5)
# Someone is watching the job's progress card: a job no worker started within two sweeps was lost by the
# broker (or never reached it) and is queued again; the copy of a job that was only slow finds it claimed
# and does nothing.
REQUEUE_AFTER = dt.timedelta(minutes=2)
MAX_ATTEMPTS = 3
ACTIVE = (JobStatus.PENDING, JobStatus.RUNNING)
MAX_EXPORT_DAYS = 366 * 5
GENERIC_FAILURE = "生成时出现内部错误，系统已记录；请稍后点击“重新生成”，如仍失败请联系系统管理员。"


def sha256_of(chunks) -> str:
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return digest.hexdigest()


def _file_sha256(name: str) -> str:
    with default_storage.open(name, "rb") as handle:
        return sha256_of(iter(lambda: handle.read(1024 * 1024), b""))


# --- queueing ---------------------------------------------------------------------------------------------


def _dispatch(kind: str, pk: int) -> None:
    """Hand a job to a worker; with the broker down the row waits for jobs_resume()."""
    if not broker_ready():
        return  # Redis known down: not even tried (a request never waits for the broker's retries)
    model = Dossier if kind == "dossier" else ArchiveExport
    model.objects.filter(pk=pk).update(queued_at=clock.now())
    task = build_dossier_task if kind == "dossier" else build_export_task
    try:
        publish(task, pk)  # an unreachable broker opens the breaker: the next jobs are not tried either
    except Exception as exc:
        logger.error("broker unavailable, %s %s waits for the next sweep: %s", kind, pk, exc)


def _queue_on_commit(kind: str, pk: int) -> None:
    transaction.on_commit(lambda: _dispatch(kind, pk))


def _reset(job: Job, *, actor: User) -> None:
    job.status, job.progress, job.step, job.error = JobStatus.PENDING, 0, "排队等待生成", ""
    job.requested_by, job.requested_at = actor, clock.now()
    job.attempts, job.claimed_until, job.queued_at, job.finished_at = 0, None, None, None


def dossier_request(
    *, incident: Incident, actor: User, queue: bool = True, redraw: bool = False, reason: str = ""
) -> Dossier:
    """Ask for the dossier of an archived incident (called by incidents.services.incident_archive).

    `redraw`: the case's records changed (an addendum): a job already on its way may have read them before
    the change, so it starts over (the running worker loses its claim and its file is not kept).
    """
    if incident.status != Status.ARCHIVED:
        raise DomainError("舆情归档后才能生成工作档案。")
    dossier = Dossier.objects.select_for_update().filter(incident=incident).first()
    if dossier is not None and dossier.active and not redraw:
        return dossier  # already on its way: a second click changes nothing
    if dossier is None:
        dossier = Dossier(incident=incident)
    _reset(dossier, actor=actor)
    dossier.step = f"排队等待生成（{reason}）" if reason else dossier.step
    stamp(dossier, actor=actor, reason=reason or "申请生成工作档案")
    dossier.save()
    if queue:
        _queue_on_commit("dossier", dossier.pk)
    return dossier


@transaction.atomic
def dossier_regenerate(*, incident: Incident, actor: User) -> Dossier:
    """The office draws the dossier again (after a failure, a missing or changed file, a layout fix)."""
    access.require_manage_archive(actor)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    return dossier_request(incident=incident, actor=actor)


# --- claiming and progress --------------------------------------------------------------------------------


def _claim(model: type[Job], pk: int, first_step: str) -> dt.datetime | None:
    """Take the job for this worker; returns the claim (its expiry) or None when it is not ours to run."""
    runnable = model.objects.filter(pk=pk, status__in=ACTIVE, attempts__lt=MAX_ATTEMPTS)
    return claims.claim(
        runnable,
        now=clock.now(),
        lease=LEASE,
        status=JobStatus.RUNNING,
        progress=5,
        step=first_step,
        error="",
    )


class LostClaim(Exception):
    """Another worker took the job over (this one was too slow or was thought dead)."""


def _progress(model: type[Job], pk: int, claim: dt.datetime, percent: int, step: str, **extra) -> dt.datetime:
    """Record how far the job got and extend the hold; raises LostClaim if the job is no longer ours."""
    running = model.objects.filter(pk=pk, status=JobStatus.RUNNING)
    until = claims.renew(
        running, held=claim, now=clock.now(), lease=LEASE, progress=min(percent, 99), step=step, **extra
    )
    if until is None:
        raise LostClaim
    return until


def _fail(model: type[Job], pk: int, claim: dt.datetime, message: str) -> None:
    """Give the job back for another try later, or mark it failed once it has had MAX_ATTEMPTS."""
    with transaction.atomic():
        job = model.objects.select_for_update().filter(pk=pk, claimed_until=claim).first()
        if job is None:
            return
        job.error = message
        if job.attempts >= MAX_ATTEMPTS:
            job.status, job.step, job.claimed_until = JobStatus.FAILED, "生成失败", None
            job.finished_at = clock.now()
        else:
            # Another worker may try after a pause; jobs_resume() queues it when the pause is over.
            job.status, job.step = JobStatus.PENDING, "等待重试"
            job.claimed_until = clock.now() + dt.timedelta(seconds=30 * job.attempts)
        stamp(job, actor=None, reason=f"生成失败：{message}"[:100])
        job.save()


def _failure_message(exc: Exception) -> str:
    if isinstance(exc, PdfUnavailable | DomainError):
        return exc.message
    return GENERIC_FAILURE


def _store(directory: str, stem: str, suffix: str, content: File) -> str:
    # Never a name someone typed: the incident number is ours, the random part keeps earlier files.
    year = clock.now().year
    return default_storage.save(f"{directory}/{year}/{stem}-{uuid.uuid4().hex[:12]}{suffix}", content)


# --- dossier ----------------------------------------------------------------------------------------------


def dossier_build(*, dossier_id: int) -> str:
    """Draw and store one dossier (the Celery task's body). Returns what happened, for the log."""
    claim = _claim(Dossier, dossier_id, "收集案件资料")
    if claim is None:
        return "not-claimed"
    incident = Incident.objects.get(dossier__pk=dossier_id)
    try:
        data = selectors.dossier_data(incident)
        claim = _progress(Dossier, dossier_id, claim, 25, "排版档案（处置表、处置记录、通稿、时限、证据）")
        pdf = dossier_pdf.render(data)
        claim = _progress(Dossier, dossier_id, claim, 85, "保存档案并计算 SHA-256")
        name = _store(DOSSIER_DIR, incident.number, ".pdf", ContentFile(pdf))
        _dossier_finish(dossier_id, claim, name=name, pdf=pdf, data_sha256=data.digest)
    except LostClaim:
        return "lost-claim"
    except Exception as exc:
        logger.exception("dossier %s failed", dossier_id)
        _fail(Dossier, dossier_id, claim, _failure_message(exc))
        return "failed"
    return "done"


def _dossier_finish(dossier_id: int, claim: dt.datetime, *, name: str, pdf: bytes, data_sha256: str) -> None:
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    with transaction.atomic():
        dossier = Dossier.objects.select_for_update().filter(pk=dossier_id, claimed_until=claim).first()
        if dossier is None:  # taken over while we drew: the other worker's file is the one kept
            default_storage.delete(name)
            raise LostClaim
        if dossier.file and dossier.sha256:
            # 第十四条: the earlier file stays in the archive with its hash (an addendum does not erase it).
            DossierVersion.objects.create(
                dossier=dossier,
                generation=dossier.generation,
                file=dossier.file.name,
                size=dossier.size,
                sha256=dossier.sha256,
                data_sha256=dossier.data_sha256,
                pages=dossier.pages,
                finished_at=dossier.finished_at,
                superseded_at=clock.now(),
            )
        dossier.file, dossier.size, dossier.sha256 = name, len(pdf), hashlib.sha256(pdf).hexdigest()
        dossier.pages, dossier.data_sha256 = pages, data_sha256
        dossier.status, dossier.progress, dossier.step = JobStatus.DONE, 100, "已完成"
        dossier.claimed_until, dossier.finished_at, dossier.error = None, clock.now(), ""
        dossier.generation += 1
        dossier.verified_at, dossier.verified_ok, dossier.verified_note = None, None, ""
        stamp(dossier, actor=None, reason=f"生成工作档案（第 {dossier.generation} 次）")
        dossier.save()


def dossier_check(dossier: Dossier) -> tuple[bool, str]:
    """Is the stored file the one recorded, and are the case's records still what it printed?"""
    if dossier.status != JobStatus.DONE or not dossier.file:
        return False, "工作档案尚未生成。"
    try:
        actual = _file_sha256(dossier.file.name)
    except FileNotFoundError:
        return False, "档案文件缺失，请重新生成。"
    if actual != dossier.sha256:
        return False, "档案文件的 SHA-256 与登记值不一致：文件在生成后被改动过，请重新生成并查明原因。"
    if selectors.dossier_data(dossier.incident).digest != dossier.data_sha256:
        return False, "档案文件完好，但案件记录在档案生成后有变动（与档案内容不一致），请核查后重新生成。"
    return True, "档案文件与登记的 SHA-256 一致，案件记录与档案内容一致。"


@transaction.atomic
def dossier_verify(*, incident: Incident, actor: User) -> Dossier:
    """The office checks a dossier against its recorded SHA-256 and the case's current records."""
    access.require_manage_archive(actor)
    dossier = Dossier.objects.select_for_update().select_related("incident").filter(incident=incident).first()
    if dossier is None:
        raise DomainError("该舆情还没有工作档案。")
    ok, note = dossier_check(dossier)
    now = clock.now()
    dossier.verified_at, dossier.verified_ok, dossier.verified_note = now, ok, note
    stamp(dossier, actor=actor, reason=f"核验工作档案：{'一致' if ok else '不一致'}")
    dossier.save(update_fields=["verified_at", "verified_ok", "verified_note"])
    # The earlier files are checked too: each against the SHA-256 recorded when it was drawn.
    for version in dossier.versions.all():
        version.verified_ok, version.verified_note = dossier_version_check(version)
        version.verified_at = now
        version.save(update_fields=["verified_at", "verified_ok", "verified_note"])
    return dossier


def dossier_version_check(version: DossierVersion) -> tuple[bool, str]:
    """Is an earlier file of the dossier still the one recorded when it was drawn?"""
    try:
        actual = _file_sha256(version.file.name)
    except FileNotFoundError:
        return False, "该版本的档案文件缺失。"
    if actual != version.sha256:
        return False, "该版本档案文件的 SHA-256 与登记值不一致：文件在生成后被改动过。"
    return True, "该版本档案文件与登记的 SHA-256 一致。"


def dossier_version_file(version: DossierVersion) -> File:
    """An earlier file of the dossier, refused (DomainError) when missing or changed."""
    ok, note = dossier_version_check(version)
    if not ok:
        raise DomainError(note)
    return ContentFile(version.file.storage.open(version.file.name, "rb").read())


def dossier_file_for_download(dossier: Dossier) -> File:
    """The stored PDF, refused (DomainError) when it is missing or no longer matches its SHA-256."""
    if dossier.status != JobStatus.DONE or not dossier.file:
        raise DomainError("工作档案尚未生成完成，请稍后再试。")
    try:
        data = dossier.file.storage.open(dossier.file.name, "rb").read()
    except FileNotFoundError:
        raise DomainError("档案文件缺失，请联系领导小组办公室重新生成。") from None
    if hashlib.sha256(data).hexdigest() != dossier.sha256:
        # A changed archive is not handed out as if it were the record.
        raise DomainError("档案文件与登记的 SHA-256 不一致，可能已被改动，请联系领导小组办公室核验。")
    return ContentFile(data)


# --- period export ----------------------------------------------------------------------------------------


@transaction.atomic
def export_request(*, actor: User, start: dt.date, end: dt.date) -> ArchiveExport:
    """The office asks for every archived incident of a period (by archive date) as one ZIP."""
    access.require_manage_archive(actor)
    if start > end:
        raise DomainError("起始日期不能晚于截止日期。")
    if (end - start).days > MAX_EXPORT_DAYS:
        raise DomainError("导出期间不能超过 5 年，请分段导出。")
    # Serialise requests of the same person so a double click makes one job, not two.
    User.objects.select_for_update().filter(pk=actor.pk).first()
    same = ArchiveExport.objects.filter(
        requested_by=actor,
        period_start=start,
        period_end=end,
        status__in=ACTIVE,
    ).first()
    if same is not None:
        return same
    total = selectors.archived_between(start, end).count()
    if not total:
        raise DomainError(f"{start:%Y-%m-%d} 至 {end:%Y-%m-%d} 期间没有已归档的舆情。")
    export = ArchiveExport(period_start=start, period_end=end, total=total)
    _reset(export, actor=actor)
    stamp(export, actor=actor, reason="申请导出工作档案")
    export.save()
    _queue_on_commit("export", export.pk)
    return export


def _dossier_pdf_for_export(incident: Incident, actor: User) -> bytes:
    """The stored dossier of an archived incident; drawn (and stored) first when missing, failed or changed."""
    dossier = Dossier.objects.filter(incident=incident).first()
    if dossier is None or dossier.status != JobStatus.DONE:
        with transaction.atomic():
            locked = Incident.objects.select_for_update().get(pk=incident.pk)
            dossier = Dossier.objects.select_for_update().filter(incident=locked).first()
            if dossier is None or not dossier.active:
                dossier = dossier_request(incident=locked, actor=actor, queue=False)
        dossier_build(dossier_id=dossier.pk)
        dossier.refresh_from_db()
    try:
        return dossier_file_for_download(dossier).read()
    except DomainError:
        pass
    # Another worker holds it, it failed, or the stored file no longer matches: the export still gets a
    # faithful copy, drawn here from the records.
    return dossier_pdf.render(selectors.dossier_data(incident))


def export_build(*, export_id: int, on_progress: Callable[[int, int], None] | None = None) -> str:
    """Write the ZIP of a period's dossiers with a list (清单.csv) and SHA256SUMS.txt; store it."""
    claim = _claim(ArchiveExport, export_id, "统计归档舆情")
    if claim is None:
        return "not-claimed"
    export = ArchiveExport.objects.select_related("requested_by").get(pk=export_id)
    try:
        incidents = list(
            selectors.archived_between(export.period_start, export.period_end).select_related(
                "responsible_department"
            )
        )
        total = len(incidents)
        claim = _progress(
            ArchiveExport, export_id, claim, 5, f"共 {total} 件，开始打包", total=total, done_count=0
        )
        sums: list[str] = []
        listing = io.StringIO()
        writer = csv.writer(listing)
        writer.writerow(
            ["舆情编号", "标题", "责任部门", "舆情类别", "响应级别", "归档时间", "档案文件", "SHA-256"]
        )
        with tempfile.SpooledTemporaryFile(max_size=64 * 1024 * 1024) as spool:
            with zipfile.ZipFile(spool, "w") as archive:
                for index, incident in enumerate(incidents, start=1):
                    pdf = _dossier_pdf_for_export(incident, export.requested_by)
                    name = f"{incident.number}-工作档案.pdf"
                    # PDFs are compressed already: stored as they are, the ZIP is written at disk speed.
                    archive.writestr(name, pdf, compress_type=zipfile.ZIP_STORED)
                    digest = hashlib.sha256(pdf).hexdigest()
                    sums.append(f"{digest}  {name}")
                    writer.writerow(
                        [
                            incident.number,
                            incident.title,
                            incident.responsible_department.name,
                            incident.get_category_display(),
                            incident.get_level_display(),
                            selectors.local(incident.archived_at),
                            name,
                            digest,
                        ]
                    )
                    claim = _progress(
                        ArchiveExport,
                        export_id,
                        claim,
                        5 + 90 * index // max(total, 1),
                        f"已打包 {index}/{total} 件",
                        done_count=index,
                    )
                    if on_progress:
                        on_progress(index, total)
                # utf-8-sig: Excel on Windows opens the list with the right characters.
                archive.writestr(
                    "清单.csv", listing.getvalue().encode("utf-8-sig"), compress_type=zipfile.ZIP_DEFLATED
                )
                archive.writestr(
                    "SHA256SUMS.txt", ("\n".join(sums) + "\n").encode(), compress_type=zipfile.ZIP_DEFLATED
                )
            spool.seek(0)
            digest = sha256_of(iter(lambda: spool.read(1024 * 1024), b""))
            size = spool.tell()
            spool.seek(0)
            claim = _progress(ArchiveExport, export_id, claim, 97, "保存压缩包")
            stem = f"archive-{export.period_start:%Y%m%d}-{export.period_end:%Y%m%d}"
            name = _store(EXPORT_DIR, stem, ".zip", File(spool))
        _export_finish(export_id, claim, name=name, sha256=digest, size=size)
    except LostClaim:
        return "lost-claim"
    except Exception as exc:
        logger.exception("export %s failed", export_id)
        _fail(ArchiveExport, export_id, claim, _failure_message(exc))
        return "failed"
    return "done"


def _export_finish(export_id: int, claim: dt.datetime, *, name: str, sha256: str, size: int) -> None:
    with transaction.atomic():
        export = ArchiveExport.objects.select_for_update().filter(pk=export_id, claimed_until=claim).first()
        if export is None:
            default_storage.delete(name)
            raise LostClaim
        export.file, export.sha256, export.size = name, sha256, size
        export.status, export.progress, export.step = JobStatus.DONE, 100, f"已完成，共 {export.total} 件"
        export.claimed_until, export.finished_at, export.error = None, clock.now(), ""
        stamp(export, actor=None, reason="导出完成")
        export.save()


# --- the sweep --------------------------------------------------------------------------------------------


def jobs_resume() -> int:
    """Queue again the jobs a broker outage or a dead worker left; fail those out of attempts. Returns queued."""
    now = clock.now()
    queued = 0
    for kind, model in (("dossier", Dossier), ("export", ArchiveExport)):
        free = claims.free(now)
        active = model.objects.filter(status__in=ACTIVE)
        for pk, status, error in active.filter(free, attempts__gte=MAX_ATTEMPTS).values_list(
            "pk", "status", "error"
        ):
            model.objects.filter(pk=pk, status=status).filter(free).update(
                status=JobStatus.FAILED,
                step="生成失败",
                error=error or "多次尝试均未完成（工作进程中断），请点击“重新生成”。",
                claimed_until=None,
                finished_at=now,
            )
        lost = active.filter(claims.requeue_due(now, after=REQUEUE_AFTER), attempts__lt=MAX_ATTEMPTS)
        for pk in list(lost.values_list("pk", flat=True)[:100]):
            _dispatch(kind, pk)
            queued += 1
    return queued


def job_is_stalled(job: Job) -> bool:
    """For the page: a job that waits far longer than usual (no worker running?)."""
    return job.active and job.queued_at is not None and timezone.now() - job.queued_at > REQUEUE_AFTER * 2
