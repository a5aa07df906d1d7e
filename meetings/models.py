"""联席会议 (第四条) and the 专题会议 of a level-1 response (第九条、第十条): who met, what they discussed, what
they decided per incident (处置方案), the risks they screened (隐患排查) and the minutes.

Incidents never import this app: an incident reaches its decisions through the reverse relation
`incident.joint_decisions`.
"""

import datetime as dt
import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from opinion_system.stored_files import StoredFile

USER = settings.AUTH_USER_MODEL


class JointMeeting(models.Model):
    """One meeting of the leadership group: convened by the office, then held with its minutes recorded."""

    class Kind(models.TextChoices):
        # 第四条: 联席会议 screens risks, judges major incidents and sets disposal plans.
        JOINT = "joint", "联席会议"
        # 第十条 一级: 召开专题会议 for one level-1 incident.
        SPECIAL = "special", "专题会议"

    class Status(models.TextChoices):
        CONVENED = "convened", "已召集"
        HELD = "held", "已召开"
        CANCELLED = "cancelled", "已取消"

    kind = models.CharField("会议类型", max_length=20, choices=Kind.choices, default=Kind.JOINT)
    special_incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name="专题会议所涉一级舆情",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="special_meetings",
    )
    title = models.CharField("会议名称", max_length=200)
    held_at = models.DateTimeField("召开时间")
    place = models.CharField("地点", max_length=200)
    attendees = models.ManyToManyField(USER, verbose_name="参会人员", related_name="joint_meetings")
    invited_departments = models.ManyToManyField(
        "departments.Department", verbose_name="列席部门", related_name="joint_meetings", blank=True
    )
    outside_attendees = models.TextField(
        "其他参会人员", blank=True, help_text="非系统用户，如上级部门、媒体代表"
    )
    agenda = models.TextField("会议议程")
    incidents = models.ManyToManyField(
        "incidents.Incident", verbose_name="研究的舆情", related_name="joint_meetings", blank=True
    )
    minutes = models.TextField("会议纪要", blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.CONVENED)
    convened_by = models.ForeignKey(USER, verbose_name="召集人", on_delete=models.PROTECT, related_name="+")
    convened_at = models.DateTimeField("召集时间")
    minutes_by = models.ForeignKey(
        USER, verbose_name="纪要登记人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    minutes_at = models.DateTimeField("纪要登记时间", null=True, blank=True)
    cancelled_by = models.ForeignKey(
        USER, verbose_name="取消人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    cancel_reason = models.TextField("取消理由", blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "联席会议"
        verbose_name_plural = "联席会议"
        ordering = ["-held_at", "-id"]
        default_permissions = ("view",)  # written only through meetings.services
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="joint", special_incident__isnull=True)
                | Q(kind="special", special_incident__isnull=False),
                name="meeting_special_names_incident",
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | (Q(cancelled_by__isnull=False) & ~Q(cancel_reason="")),
                name="meeting_cancelled_says_why",
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | (Q(minutes_by__isnull=False) & ~Q(minutes="")),
                name="meeting_held_has_minutes",
            ),
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.held_at):%Y-%m-%d} {self.title}"

    @property
    def page_path(self) -> str:
        return f"/meetings/{self.pk}/"


class JointDecision(models.Model):
    """What a meeting decided about one incident it discussed, with the 处置方案 (第四条)."""

    meeting = models.ForeignKey(JointMeeting, on_delete=models.PROTECT, related_name="decisions")
    incident = models.ForeignKey(
        "incidents.Incident", on_delete=models.PROTECT, related_name="joint_decisions"
    )
    decision = models.TextField("研判意见与决定")
    plan = models.TextField("处置方案", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "会议决定"
        verbose_name_plural = "会议决定"
        ordering = ["meeting", "id"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(fields=["meeting", "incident"], name="decision_once_per_incident")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} → {self.incident_id}"


class RiskItem(models.Model):
    """隐患排查: a risk screened at a meeting, owned by one person and due on a day, tracked until done.

    Its notices (reminder → overdue → 督办) are stages stamped on the row; the sweep (meetings.engine) claims a
    stage with a conditional UPDATE, so each is sent once however many sweeps run.
    """

    meeting = models.ForeignKey(JointMeeting, on_delete=models.PROTECT, related_name="risk_items")
    description = models.TextField("隐患描述及排查要求")
    owner = models.ForeignKey(
        USER, verbose_name="责任人", on_delete=models.PROTECT, related_name="risk_items"
    )
    due_on = models.DateField("完成期限")
    created_at = models.DateTimeField("登记时间")
    next_notice_at = models.DateTimeField("下次通知时间", null=True, blank=True)
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)
    overdue_at = models.DateTimeField("逾期通知时间", null=True, blank=True)
    escalated_at = models.DateTimeField("督办时间", null=True, blank=True)
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    done_note = models.TextField("完成情况", blank=True)
    done_by = models.ForeignKey(
        USER, verbose_name="办结人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "隐患排查事项"
        verbose_name_plural = "隐患排查事项"
        ordering = ["due_on", "id"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["next_notice_at"], condition=Q(done_at__isnull=True), name="risk_item_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | Q(done_by__isnull=False), name="risk_item_done_by"
            ),
        ]

    def __str__(self) -> str:
        return self.description[:40]

    @property
    def due_at(self) -> dt.datetime:
        """The end of the due day in Beijing: an item due on the 5th is late from the 6th, 00:00."""
        zone = timezone.get_default_timezone()
        return dt.datetime.combine(self.due_on + dt.timedelta(days=1), dt.time.min, tzinfo=zone)

    @property
    def is_overdue(self) -> bool:
        return self.done_at is None and timezone.now() >= self.due_at


def attachment_path(instance: "MeetingAttachment", filename: str) -> str:
    # Never the uploader's name: a random name with the extension of the detected type.
    return f"meetings/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()}"


class MeetingAttachment(StoredFile):
    """Material of a meeting (PDF or image), checked like evidence and served only through an access check."""

    meeting = models.ForeignKey(JointMeeting, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField("文件", upload_to=attachment_path, max_length=200)
    history = HistoricalRecords()

    class Meta(StoredFile.Meta):
        verbose_name = "会议附件"
        verbose_name_plural = "会议附件"
