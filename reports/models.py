"""The work archive (工作档案, 第十四条): one dossier PDF per archived incident, and period exports as ZIP.

Both are background jobs with a row as their only record (like deadlines): the row says what is wanted, how
far the worker got and what came out; a lost task or a killed worker is noticed from the row and run again.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from incidents.models import Incident


class JobStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "生成失败"


class Job(models.Model):
    """What a dossier and an export share: the state of the background job and the file it produced."""

    status = models.CharField("状态", max_length=10, choices=JobStatus.choices, default=JobStatus.PENDING)
    progress = models.PositiveSmallIntegerField("进度（%）", default=0)
    step = models.CharField("当前步骤", max_length=100, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField("发起时间")
    queued_at = models.DateTimeField("最近排队时间", null=True, blank=True)
    # A worker holds the job until this moment and moves it on while it works; after it, the job is free
    # again (the worker died) and the next sweep queues it once more.
    claimed_until = models.DateTimeField("锁定至", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    error = models.TextField("错误信息", blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    file = models.FileField("文件", max_length=200, blank=True)
    size = models.PositiveBigIntegerField("大小（字节）", null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)

    class Meta:
        abstract = True

    @property
    def active(self) -> bool:
        return self.status in (JobStatus.PENDING, JobStatus.RUNNING)


class Dossier(Job):
    """工作档案 of one incident: cover, 处置表, timeline, level changes, progress reports, statements, deadlines,
    evidence with SHA-256, review meeting; the PDF's SHA-256 is kept so a changed file is detected."""

    incident = models.OneToOneField(
        Incident, verbose_name="舆情事件", on_delete=models.PROTECT, related_name="dossier"
    )
    # SHA-256 of what the dossier prints (without the generation time): recomputed from the database later,
    # it tells whether the case's records changed after archiving.
    data_sha256 = models.CharField("内容摘要 SHA-256", max_length=64, blank=True)
    pages = models.PositiveSmallIntegerField("页数", null=True, blank=True)
    generation = models.PositiveSmallIntegerField("生成次数", default=0)
    verified_at = models.DateTimeField("最近核验时间", null=True, blank=True)
    verified_ok = models.BooleanField("核验结果", null=True, blank=True)
    verified_note = models.CharField("核验说明", max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "工作档案"
        verbose_name_plural = "工作档案"
        indexes = [
            models.Index(
                fields=["claimed_until"],
                name="dossier_active",
                condition=models.Q(status__in=["pending", "running"]),
            )
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="dossier_progress_max_100"),
            models.CheckConstraint(
                condition=~models.Q(status="done") | (~models.Q(file="") & ~models.Q(sha256="")),
                name="dossier_done_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"工作档案 {self.incident.number}"


class DossierVersion(models.Model):
    """An earlier file of a dossier, kept with its SHA-256 when the dossier is drawn again (第十四条: a review
    meeting added after archiving; a regeneration). The archive never loses a file it once handed out."""

    dossier = models.ForeignKey(
        Dossier, verbose_name="工作档案", on_delete=models.PROTECT, related_name="versions"
    )
    generation = models.PositiveSmallIntegerField("生成次数")
    file = models.FileField("文件", max_length=200)
    size = models.PositiveBigIntegerField("大小（字节）", null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64)
    data_sha256 = models.CharField("内容摘要 SHA-256", max_length=64, blank=True)
    pages = models.PositiveSmallIntegerField("页数", null=True, blank=True)
    finished_at = models.DateTimeField("生成时间", null=True, blank=True)
    superseded_at = models.DateTimeField("被替代时间")
    verified_at = models.DateTimeField("最近核验时间", null=True, blank=True)
    verified_ok = models.BooleanField("核验结果", null=True, blank=True)
    verified_note = models.CharField("核验说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "工作档案历史版本"
        verbose_name_plural = "工作档案历史版本"
        ordering = ["dossier", "-generation", "-id"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["dossier", "generation"], name="dossier_version_once"),
            models.CheckConstraint(condition=~models.Q(sha256=""), name="dossier_version_has_sha256"),
        ]

    def __str__(self) -> str:
        return f"{self.dossier} 第 {self.generation} 版"


class ArchiveExport(Job):
    """Every archived incident of a period (by archive date, Beijing calendar) as one ZIP of dossiers."""

    period_start = models.DateField("起始日期")
    period_end = models.DateField("截止日期")
    total = models.PositiveIntegerField("档案数", default=0)
    done_count = models.PositiveIntegerField("已完成", default=0)

    class Meta:
        verbose_name = "档案导出"
        verbose_name_plural = "档案导出"
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(
                fields=["claimed_until"],
                name="export_active",
                condition=models.Q(status__in=["pending", "running"]),
            )
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="export_progress_max_100"),
            models.CheckConstraint(
                condition=models.Q(period_start__lte=models.F("period_end")), name="export_period_ordered"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="done") | (~models.Q(file="") & ~models.Q(sha256="")),
                name="export_done_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"档案导出 {self.period_start} 至 {self.period_end}"
