"""What is recorded while an incident is disposed of (第十条): progress reports, reply statements, the 处置表,
the level-1 duties and the review meeting (第十四条)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ..rules import Level, LevelOneDutyKind, UpwardChannel
from .incident import Incident

USER = settings.AUTH_USER_MODEL


class ProgressReport(models.Model):
    """互通信息: level 2 daily, level 1 round the clock, until the disposal ends."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="progress_reports")
    author = models.ForeignKey(USER, verbose_name="报告人", on_delete=models.PROTECT, related_name="+")
    content = models.TextField("进展情况")
    level_at_time = models.PositiveSmallIntegerField("当时级别", choices=Level.choices)
    created_at = models.DateTimeField("报告时间")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "互通信息"
        verbose_name_plural = "互通信息"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.incident.number} {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"


class ReplyStatement(models.Model):
    """回复通稿: versioned drafts; at level 2 and 1 党政办 approves before it is published."""

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待党政办审定"
        APPROVED = "approved", "已审定"
        REJECTED = "rejected", "已退回"
        PUBLISHED = "published", "已发布"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="statements")
    number = models.PositiveIntegerField("版本号")
    text = models.TextField("通稿内容")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(USER, verbose_name="起草人", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("起草时间")
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        USER, verbose_name="审定人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField("审定时间", null=True, blank=True)
    review_comment = models.TextField("审定意见", blank=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    published_where = models.CharField("发布渠道/对象", max_length=300, blank=True)
    published_by = models.ForeignKey(
        USER, verbose_name="发布登记人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField("修改版本", default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "回复通稿"
        verbose_name_plural = "回复通稿"
        ordering = ["incident", "number"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "number"], name="statement_number_unique"),
            # One version at a time waits for 党政办.
            models.UniqueConstraint(
                fields=["incident"], condition=Q(status="submitted"), name="statement_one_submitted"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "rejected", "published"]) | Q(reviewed_at__isnull=False),
                name="statement_reviewed_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="statement_published_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident.number} 通稿第{self.number}版"


class DisposalForm(models.Model):
    """处置表 (附件), filled by the department, reviewed and filed by the office (审核备案)."""

    class ReviewStatus(models.TextChoices):
        DRAFT = "draft", "填写中"
        SUBMITTED = "submitted", "已报送（待审核）"
        RETURNED = "returned", "已退回"
        FILED = "filed", "已备案"

    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="disposal_form")
    team_members = models.TextField("舆情处置小组人员名单", blank=True)
    disposal_situation = models.TextField("舆情处置情况", blank=True)
    leader_opinion = models.TextField("报分管领导处置意见", blank=True)
    leader_opinion_by = models.ForeignKey(
        USER, verbose_name="处置意见填写人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    leader_opinion_at = models.DateTimeField("处置意见时间", null=True, blank=True)
    # No supervising leader can give the opinion (none appointed, away for long): the office records why, and
    # the form may then be filed without it.
    opinion_waived_reason = models.TextField("免填处置意见理由", blank=True)
    opinion_waived_by = models.ForeignKey(
        USER, verbose_name="免填登记人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opinion_waived_at = models.DateTimeField("免填登记时间", null=True, blank=True)
    follow_up = models.TextField("舆情后期处理情况", blank=True)
    head_signed_by = models.ForeignKey(
        USER, verbose_name="部门负责人签字", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    head_signed_at = models.DateTimeField("签字时间", null=True, blank=True)
    signature_requested_by = models.ForeignKey(
        USER, verbose_name="请签字人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signature_requested_at = models.DateTimeField("请签字时间", null=True, blank=True)
    review_status = models.CharField(
        "审核状态", max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    submitted_by = models.ForeignKey(
        USER, verbose_name="报送人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        USER, verbose_name="审核人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    review_comment = models.TextField("审核意见", blank=True)
    version = models.PositiveIntegerField("修改版本", default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "处置表"
        verbose_name_plural = "处置表"
        default_permissions = ("add", "change", "view")
        constraints = [
            models.CheckConstraint(
                condition=Q(head_signed_by__isnull=True) | Q(head_signed_at__isnull=False),
                name="form_signature_has_time",
            ),
            models.CheckConstraint(
                condition=Q(opinion_waived_at__isnull=True)
                | (Q(opinion_waived_by__isnull=False) & ~Q(opinion_waived_reason="")),
                name="form_waiver_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident.number} 处置表"

    @property
    def has_leader_opinion(self) -> bool:
        """Filing needs the supervising leader's opinion, or the office's recorded waiver."""
        return bool(self.leader_opinion.strip() or self.opinion_waived_at)


class LevelOneDuty(models.Model):
    """第十条 level 1: the four things that must be done and recorded with when, how and to whom."""

    Kind = LevelOneDutyKind

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="level_one_duties")
    kind = models.CharField("事项", max_length=30, choices=Kind.choices)
    required_since = models.DateTimeField("启动时间")
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True, help_text="降级后未完成的事项")
    done_at = models.DateTimeField("完成时间", null=True, blank=True)
    method = models.CharField("方式", max_length=200, blank=True)
    recipient = models.CharField("报告对象/参会人员", max_length=300, blank=True)
    note = models.TextField("备注", blank=True)
    recorded_by = models.ForeignKey(
        USER, verbose_name="登记人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField("登记时间", null=True, blank=True)
    # The office may release a duty that cannot or need not be done (e.g. the plan was started by the
    # superior authority itself), always with its reason; the disposal ends only when every duty is done or
    # waived (第十条 一级).
    waived_at = models.DateTimeField("免除时间", null=True, blank=True)
    waived_by = models.ForeignKey(
        USER, verbose_name="免除登记人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    waive_reason = models.TextField("免除理由", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "一级响应事项"
        verbose_name_plural = "一级响应事项"
        ordering = ["incident", "id"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind"], name="duty_once_per_incident"),
            models.CheckConstraint(
                condition=Q(done_at__isnull=True) | Q(recorded_by__isnull=False), name="duty_done_recorded"
            ),
            models.CheckConstraint(
                condition=Q(waived_at__isnull=True) | (Q(waived_by__isnull=False) & ~Q(waive_reason="")),
                name="duty_waiver_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident.number} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        """Still required: neither done, nor waived, nor released by lowering the level."""
        return self.done_at is None and self.waived_at is None and self.cancelled_at is None


class UpwardReport(models.Model):
    """向上级网络舆情主管部门报告 (第九条): each report and each follow-up (续报), as it was made."""

    Channel = UpwardChannel

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="upward_reports")
    authority = models.CharField("上级网络舆情主管部门", max_length=200)
    channel = models.CharField("报告方式", max_length=20, choices=Channel.choices)
    reported_at = models.DateTimeField("报告时间")
    reported_by = models.ForeignKey(
        USER, verbose_name="报告人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reported_by_text = models.CharField("报告人（其他）", max_length=200, blank=True)
    content = models.TextField("报告内容")
    recorded_by = models.ForeignKey(USER, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("登记时间")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "向上级报告"
        verbose_name_plural = "向上级报告"
        ordering = ["reported_at", "id"]
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=Q(reported_by__isnull=False) | ~Q(reported_by_text=""),
                name="upward_report_has_reporter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident.number} 向{self.authority}报告 {timezone.localtime(self.reported_at):%Y-%m-%d %H:%M}"

    @property
    def reporter_name(self) -> str:
        names = [self.reported_by.display_name if self.reported_by else "", self.reported_by_text]
        return "、".join(n for n in names if n)


class ContactLog(models.Model):
    """联动应对 (第九条): a contact with mainstream media or a related department while the incident is handled."""

    class Kind(models.TextChoices):
        MEDIA = "media", "主流媒体"
        DEPARTMENT = "department", "相关部门"
        OTHER = "other", "其他"

    Channel = UpwardChannel

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="contacts")
    counterpart = models.CharField("联系对象（姓名/单位）", max_length=200)
    kind = models.CharField("对象类别", max_length=20, choices=Kind.choices)
    channel = models.CharField("联系方式", max_length=20, choices=Channel.choices)
    contacted_at = models.DateTimeField("联系时间")
    content = models.TextField("联系内容")
    recorded_by = models.ForeignKey(USER, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("登记时间")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "联动联系记录"
        verbose_name_plural = "联动联系记录"
        ordering = ["contacted_at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.incident.number} {self.counterpart} {timezone.localtime(self.contacted_at):%Y-%m-%d %H:%M}"


class ReviewMeeting(models.Model):
    """复盘/分析会 (第十四条): required before archiving, or waived by the office with a reason (ReviewWaiver);
    can be added after archiving (the dossier is drawn again, the earlier file kept)."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="review_meetings")
    held_at = models.DateTimeField("召开时间")
    place = models.CharField("地点", max_length=200, blank=True)
    attendees = models.TextField("参会人员")
    summary = models.TextField("分析与总结")
    improvements = models.TextField("改进措施", blank=True)
    recorded_by = models.ForeignKey(USER, verbose_name="记录人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("记录时间")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "复盘会记录"
        verbose_name_plural = "复盘会记录"
        ordering = ["held_at", "id"]

    def __str__(self) -> str:
        return f"{self.incident.number} 复盘会 {timezone.localtime(self.held_at):%Y-%m-%d}"
