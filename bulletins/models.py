"""舆情通报 (第四条): drafted by the office, approved by the leadership group, issued to departments, read.

A bulletin takes its number only when it is issued (〔年〕第 N 期), from a counter row per year that the issuing
transaction locks: numbers run without gaps, also when two are issued at the same moment.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

USER = settings.AUTH_USER_MODEL
ISSUING_ORGAN = "自贡职业技术学院网络舆情处置工作领导小组办公室"
DOCUMENT_NAME = "舆情通报"


class BulletinCounter(models.Model):
    """The last number issued in a year; locked (SELECT … FOR UPDATE) by whoever issues the next one."""

    year = models.PositiveIntegerField("年度", primary_key=True)
    last_number = models.PositiveIntegerField("已印发期数", default=0)

    class Meta:
        verbose_name = "通报期号计数"
        verbose_name_plural = "通报期号计数"

    def __str__(self) -> str:
        return f"{self.year} 年：{self.last_number} 期"


class Bulletin(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PENDING = "pending", "待审批"
        APPROVED = "approved", "已批准"
        ISSUED = "issued", "已印发"

    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文")
    period_start = models.DateField("统计期间起")
    period_end = models.DateField("统计期间止")
    incidents = models.ManyToManyField(
        "incidents.Incident", verbose_name="关联舆情", related_name="bulletins", blank=True
    )
    # The period's figures as the dashboard counted them when the draft was saved: an issued bulletin keeps
    # what it said, whatever later reassessments change.
    figures = models.JSONField("统计数据快照", default=dict, blank=True)
    recipients = models.ManyToManyField(
        "departments.Department", verbose_name="印发部门", related_name="bulletins", blank=True
    )
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    return_comment = models.TextField("退回意见", blank=True)
    drafted_by = models.ForeignKey(USER, verbose_name="拟稿人", on_delete=models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField("拟稿时间")
    submitted_at = models.DateTimeField("送审时间", null=True, blank=True)
    approved_by = models.ForeignKey(
        USER, verbose_name="批准人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField("批准时间", null=True, blank=True)
    issued_by = models.ForeignKey(
        USER, verbose_name="印发人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField("印发时间", null=True, blank=True)
    year = models.PositiveIntegerField("年度", null=True, blank=True)
    number = models.PositiveIntegerField("期号", null=True, blank=True)
    version = models.PositiveIntegerField("版本", default=1)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "舆情通报"
        verbose_name_plural = "舆情通报"
        ordering = ["-year", "-number", "-drafted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="bulletin_unique_number_per_year"),
            models.CheckConstraint(
                condition=(
                    Q(status="issued", year__isnull=False, number__isnull=False, issued_at__isnull=False)
                    | (~Q(status="issued") & Q(year__isnull=True, number__isnull=True))
                ),
                name="bulletin_numbered_when_issued",
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")), name="bulletin_period_in_order"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "pending"]) | Q(approved_by__isnull=False),
                name="bulletin_approved_has_approver",
            ),
        ]
        indexes = [models.Index(fields=["status", "-issued_at"], name="bulletin_status_issued")]

    def __str__(self) -> str:
        return f"{self.number_text} {self.title}"

    @property
    def number_text(self) -> str:
        if self.number is None:
            return "（未编号）"
        return f"〔{self.year}〕第 {self.number} 期"

    @property
    def page_path(self) -> str:
        return f"/bulletins/{self.pk}/"


class BulletinReceipt(models.Model):
    """One recipient department of an issued bulletin: who of its people opened it first, and when."""

    bulletin = models.ForeignKey(
        Bulletin, verbose_name="通报", on_delete=models.CASCADE, related_name="receipts"
    )
    department = models.ForeignKey(
        "departments.Department", verbose_name="部门", on_delete=models.PROTECT, related_name="+"
    )
    first_opened_by = models.ForeignKey(
        USER, verbose_name="首次阅读人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    first_opened_at = models.DateTimeField("首次阅读时间", null=True, blank=True)
    # The daily reminder claims the row for the day with a conditional UPDATE of this date (exactly once a day).
    reminded_on = models.DateField("最近催阅日期", null=True, blank=True)
    reminders = models.PositiveIntegerField("催阅次数", default=0)

    class Meta:
        verbose_name = "通报阅读回执"
        verbose_name_plural = "通报阅读回执"
        ordering = ["department__sort_order", "department_id"]
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "department"], name="bulletin_receipt_once"),
            models.CheckConstraint(
                condition=Q(first_opened_at__isnull=True, first_opened_by__isnull=True)
                | Q(first_opened_at__isnull=False, first_opened_by__isnull=False),
                name="bulletin_receipt_opened_by_whom",
            ),
        ]
        indexes = [
            models.Index(
                fields=["bulletin"], condition=Q(first_opened_at__isnull=True), name="receipt_unread"
            )
        ]

    def __str__(self) -> str:
        return f"{self.bulletin} · {self.department}"


class BulletinReading(models.Model):
    """A person's first opening of a bulletin for a recipient department (later openings change nothing)."""

    receipt = models.ForeignKey(
        BulletinReceipt, verbose_name="回执", on_delete=models.CASCADE, related_name="readings"
    )
    user = models.ForeignKey(USER, verbose_name="阅读人", on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField("首次阅读时间")

    class Meta:
        verbose_name = "通报阅读记录"
        verbose_name_plural = "通报阅读记录"
        ordering = ["opened_at", "id"]
        constraints = [models.UniqueConstraint(fields=["receipt", "user"], name="bulletin_reading_once")]

    def __str__(self) -> str:
        return f"{self.user} · {self.opened_at:%Y-%m-%d %H:%M}"


class BulletinTemplate(models.Model):
    """The office's own Word template (replacing the one shipped in the app); at most one row."""

    file = models.FileField("模板文件", upload_to="bulletins/templates/")
    original_name = models.CharField("原文件名", max_length=200)
    uploaded_by = models.ForeignKey(USER, verbose_name="上传人", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "通报 Word 模板"
        verbose_name_plural = "通报 Word 模板"

    def __str__(self) -> str:
        return self.original_name
