"""The incident (舆情事件) itself: its number, status, sources, evidence, case log and changes of level."""

import re
import uuid
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ..rules import LEVEL_DEMANDED, Category, Level

USER = settings.AUTH_USER_MODEL


class Status(models.TextChoices):
    REPORTED = "reported", "已上报（待研判）"
    IN_DISPOSAL = "in_disposal", "处置中"
    DISPOSAL_ENDED = "disposal_ended", "处置结束（待报处置表）"
    FORM_SUBMITTED = "form_submitted", "处置表已报（待审核备案）"
    RETURNED = "returned", "处置表退回修改"
    FILED = "filed", "已审核备案"
    ARCHIVED = "archived", "已归档"
    MERGED = "merged", "已合并（重复上报）"


class YearCounter(models.Model):
    """The last incident number given out in a year; locked while the next one is taken."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "编号计数"
        verbose_name_plural = "编号计数"

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Incident(models.Model):
    number = models.CharField("舆情编号", max_length=20, unique=True)
    title = models.CharField("标题", max_length=200)
    summary = models.TextField("舆情内容摘要")
    reporting_department = models.ForeignKey(
        "departments.Department",
        verbose_name="上报部门",
        on_delete=models.PROTECT,
        related_name="reported_incidents",
    )
    responsible_department = models.ForeignKey(
        "departments.Department",
        verbose_name="责任部门",
        on_delete=models.PROTECT,
        related_name="incidents",
    )
    reporter = models.ForeignKey(USER, verbose_name="上报人", on_delete=models.PROTECT, related_name="+")
    discovered_at = models.DateTimeField("发现时间")
    reported_at = models.DateTimeField("上报时间")
    category = models.CharField("舆情类别", max_length=1, choices=Category.choices, blank=True, default="")
    level = models.PositiveSmallIntegerField("响应级别", choices=Level.choices, null=True, blank=True)
    status = models.CharField(
        "状态", max_length=20, choices=Status.choices, default=Status.REPORTED, db_index=True
    )
    assessed_at = models.DateTimeField("研判时间", null=True, blank=True)
    assessed_by = models.ForeignKey(
        USER, verbose_name="研判人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    disposal_started_at = models.DateTimeField("处置开始时间", null=True, blank=True)
    disposal_ended_at = models.DateTimeField("处置结束时间", null=True, blank=True)
    filed_at = models.DateTimeField("备案时间", null=True, blank=True)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name="合并至", on_delete=models.PROTECT, null=True, blank=True, related_name="merged"
    )
    # Optimistic lock: every service bumps it; a form carries the value it was opened with.
    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "舆情事件"
        verbose_name_plural = "舆情事件"
        ordering = ["-reported_at", "-id"]
        default_permissions = ("add", "change", "view")  # never deleted: archived instead
        indexes = [
            # The list's order: without it every page of the list sorts the whole table.
            models.Index(fields=["-reported_at", "-id"], name="incident_recent"),
            models.Index(fields=["responsible_department", "-reported_at"], name="incident_dept_recent"),
            models.Index(fields=["status", "-reported_at"], name="incident_status_recent"),
        ]
        constraints = [
            # 第十条: 出现意识形态类网络舆情时，直接启动一级舆情响应.
            models.CheckConstraint(
                condition=~Q(category=Category.A) | Q(level=LEVEL_DEMANDED[Category.A]),
                name="incident_category_a_is_level_1",
            ),
            models.CheckConstraint(
                condition=Q(level__isnull=True) | Q(level__in=sorted(Level.values)),
                name="incident_level_valid",
            ),
            # Past the report, an incident has been assessed: category and level are both set.
            models.CheckConstraint(
                condition=Q(status__in=["reported", "merged"]) | (Q(level__isnull=False) & ~Q(category="")),
                name="incident_assessed_after_report",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def page_path(self) -> str:
        """The incident's page, as a notice links to it (no reverse(): the sweep builds thousands at once)."""
        return f"/incidents/{self.pk}/"

    @property
    def is_read_only(self) -> bool:
        return self.status in (Status.ARCHIVED, Status.MERGED)


class IncidentSource(models.Model):
    """Where the incident was seen (第十条: 网站、贴吧、微信、博客、微博 …)."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="sources")
    platform = models.CharField("媒体名称/平台", max_length=100)
    url = models.CharField("网址", max_length=2000, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "舆情来源"
        verbose_name_plural = "舆情来源"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.platform} {self.url}".strip()

    @property
    def href(self) -> str:
        """The address as a link target: an http(s) URL, or one typed without its scheme (weibo.com/…, which
        the report form accepts) made https; "" for anything else (javascript:, data:, a row from before the
        form checked addresses), which the page shows as plain text."""
        return web_href(self.url)


# A host name followed by nothing or a path: "weibo.com/…", "tieba.baidu.com/p/1".
_BARE_HOST = re.compile(
    r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?:[/?#]|$)"
)


def web_href(url: str) -> str:
    url = (url or "").strip()
    if not url or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return ""
    parts = urlsplit(url)
    if parts.scheme.lower() in ("http", "https"):
        return url if parts.netloc else ""
    if not parts.scheme and not url.startswith(("/", "\\")) and _BARE_HOST.match(url):
        return f"https://{url}"
    return ""


def evidence_path(instance: "Evidence", filename: str) -> str:
    # Never the uploader's name: a random name with the extension of the detected type.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"evidence/{uuid.uuid4().hex}{suffix}"


def thumbnail_path(instance: "Evidence", filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()
    return f"evidence/thumbnails/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField("文件", upload_to=evidence_path, max_length=200)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(USER, verbose_name="上传人", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间")
    # A screenshot's small re-encoded copy (incidents.uploads.make_thumbnail), served through the same access
    # check as the file; empty for a PDF, or when the image could not be read (the page shows the link only).
    thumbnail = models.FileField("缩略图", upload_to=thumbnail_path, max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "证据材料"
        verbose_name_plural = "证据材料"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class IncidentEvent(models.Model):
    """One line of the case log: who did what, when and why."""

    class Kind(models.TextChoices):
        REPORTED = "reported", "上报"
        ASSESSED = "assessed", "研判"
        LEVEL_CHANGED = "level_changed", "等级调整"
        REASSIGNED = "reassigned", "变更责任部门"
        MERGED = "merged", "合并重复上报"
        EVIDENCE_ADDED = "evidence_added", "上传证据"
        PROGRESS_REPORTED = "progress_reported", "互通信息"
        STATEMENT_DRAFTED = "statement_drafted", "起草回复通稿"
        STATEMENT_SUBMITTED = "statement_submitted", "报送回复通稿"
        STATEMENT_APPROVED = "statement_approved", "审定回复通稿"
        STATEMENT_REJECTED = "statement_rejected", "退回回复通稿"
        STATEMENT_PUBLISHED = "statement_published", "发布回复通稿"
        DUTY_RECORDED = "duty_recorded", "一级响应事项"
        REVIEW_MEETING = "review_meeting", "复盘会"
        REVIEW_WAIVED = "review_waived", "免于复盘"
        TEAM_CHANGED = "team_changed", "处置小组"
        DISPOSAL_ENDED = "disposal_ended", "处置结束"
        FORM_SAVED = "form_saved", "填写处置表"
        LEADER_OPINION = "leader_opinion", "分管领导处置意见"
        OPINION_WAIVED = "opinion_waived", "免填分管领导处置意见"
        SIGNATURE_REQUESTED = "signature_requested", "请负责人签字"
        HEAD_SIGNED = "head_signed", "部门负责人签字"
        FORM_SUBMITTED = "form_submitted", "报送处置表"
        FORM_FILED = "form_filed", "审核备案"
        FORM_RETURNED = "form_returned", "退回处置表"
        ARCHIVED = "archived", "归档"
        DEADLINE = "deadline", "时限"
        DUTY_WAIVED = "duty_waived", "免除一级响应事项"
        UPWARD_REPORTED = "upward_reported", "向上级报告"
        CONTACT_RECORDED = "contact_recorded", "联动联系"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("事项", max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        USER, verbose_name="操作人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    message = models.TextField("说明")
    reason = models.TextField("理由", blank=True)
    # The other incident a line speaks of (a merge): its number is shown only to who may see that incident.
    related = models.ForeignKey(
        Incident, verbose_name="相关舆情", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("时间", db_index=True)

    class Meta:
        verbose_name = "处置记录"
        verbose_name_plural = "处置记录"
        ordering = ["created_at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{timezone.localtime(self.created_at):%Y-%m-%d %H:%M} {self.get_kind_display()}"


class GradeEscalation(models.Model):
    """第十条: every change of level, with who, when and why; raising starts the new level's duties."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="escalations")
    from_level = models.PositiveSmallIntegerField("原级别", choices=Level.choices)
    to_level = models.PositiveSmallIntegerField("新级别", choices=Level.choices)
    reason = models.TextField("调整理由", blank=True)
    actor = models.ForeignKey(USER, verbose_name="调整人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("调整时间")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "等级调整"
        verbose_name_plural = "等级调整"
        ordering = ["created_at", "id"]
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(condition=~Q(from_level=models.F("to_level")), name="escalation_changes"),
            # Lowering needs a reason (raising may give one).
            models.CheckConstraint(
                condition=Q(to_level__lt=models.F("from_level")) | ~Q(reason=""),
                name="escalation_lowering_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident.number}: {self.get_from_level_display()} → {self.get_to_level_display()}"

    @property
    def is_raise(self) -> bool:
        return self.to_level < self.from_level
