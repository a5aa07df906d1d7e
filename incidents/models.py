"""The data of an incident (舆情事件) and everything recorded while it is handled.

Rows change only through incidents.services; the allowed moves live in incidents.workflow.
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .rules import FILING_HOURS, LEVEL_DEMANDED, Category, Exchange, Level, LevelOneDutyKind

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
            # The list's order: without it every page sorts the whole table (113 ms → 0.2 ms at 100,000).
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


def evidence_path(instance: "Evidence", filename: str) -> str:
    # Never the uploader's name: a random name with the extension of the detected type.
    suffix = PurePosixPath(filename).suffix.lower()
    return f"evidence/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="evidence")
    file = models.FileField("文件", upload_to=evidence_path, max_length=200)
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(USER, verbose_name="上传人", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间")
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
        DISPOSAL_ENDED = "disposal_ended", "处置结束"
        FORM_SAVED = "form_saved", "填写处置表"
        LEADER_OPINION = "leader_opinion", "分管领导处置意见"
        HEAD_SIGNED = "head_signed", "部门负责人签字"
        FORM_SUBMITTED = "form_submitted", "报送处置表"
        FORM_FILED = "form_filed", "审核备案"
        FORM_RETURNED = "form_returned", "退回处置表"
        ARCHIVED = "archived", "归档"
        DEADLINE = "deadline", "时限"

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
    follow_up = models.TextField("舆情后期处理情况", blank=True)
    head_signed_by = models.ForeignKey(
        USER, verbose_name="部门负责人签字", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    head_signed_at = models.DateTimeField("签字时间", null=True, blank=True)
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
        ]

    def __str__(self) -> str:
        return f"{self.incident.number} 处置表"


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
        ]

    def __str__(self) -> str:
        return f"{self.incident.number} {self.get_kind_display()}"


class ReviewMeeting(models.Model):
    """复盘/分析会 (第十四条): held after an incident; its record belongs in the work archive."""

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


class Deadline(models.Model):
    """时限: a stored due time and what happened to it; incidents.engine sweeps the open ones.

    `next_notice_at` is the one moment the sweep looks at: the reminder before `due_at`, then the overdue
    notice at `due_at`, the escalation (督办) later, and repeats while overdue, until met or moot.
    """

    class Kind(models.TextChoices):
        FILING = "filing", f"处置结束{FILING_HOURS}小时内报送处置表"
        DAILY_EXCHANGE = Exchange.DAILY.value, Exchange.DAILY.label
        ROUND_THE_CLOCK = Exchange.ROUND_THE_CLOCK.value, Exchange.ROUND_THE_CLOCK.label
        STATEMENT_REVIEW = "statement_review", "党政办审定回复通稿"

    class State(models.TextChoices):
        OPEN = "open", "进行中"
        MET = "met", "已完成"
        MOOT = "moot", "已撤销"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="deadlines")
    kind = models.CharField("时限类型", max_length=30, choices=Kind.choices)
    due_at = models.DateTimeField("截止时间")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField("创建时间")
    met_at = models.DateTimeField("完成时间", null=True, blank=True)
    closed_reason = models.CharField("结束说明", max_length=200, blank=True)
    next_notice_at = models.DateTimeField("下次通知时间", null=True, blank=True)
    reminded_at = models.DateTimeField("已提醒", null=True, blank=True)
    overdue_at = models.DateTimeField("已逾期通知", null=True, blank=True)
    escalated_at = models.DateTimeField("已督办", null=True, blank=True)
    overdue_notices = models.PositiveSmallIntegerField("逾期通知次数", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "时限"
        verbose_name_plural = "时限"
        ordering = ["due_at", "id"]
        default_permissions = ("view",)
        indexes = [
            # The sweep's one query: open rows whose next notice has come (see incidents.engine).
            models.Index(
                fields=["next_notice_at"], condition=Q(state="open"), name="deadline_open_next_notice"
            ),
            models.Index(fields=["due_at"], condition=Q(state="open"), name="deadline_open_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "kind"], condition=Q(state="open"), name="deadline_one_open_per_kind"
            ),
            models.CheckConstraint(
                condition=~Q(state="met") | Q(met_at__isnull=False), name="deadline_met_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident.number} {self.get_kind_display()} {timezone.localtime(self.due_at):%Y-%m-%d %H:%M}"

    @property
    def met_late(self) -> bool:
        return self.met_at is not None and self.met_at > self.due_at


class WebhookEndpoint(models.Model):
    """A group robot (企业微信 / 钉钉 / 飞书) that receives notices for a department or a role."""

    class Flavor(models.TextChoices):
        WECOM = "wecom", "企业微信群机器人"
        DINGTALK = "dingtalk", "钉钉群机器人"
        FEISHU = "feishu", "飞书群机器人"

    name = models.CharField("名称", max_length=100)
    flavor = models.CharField("类型", max_length=20, choices=Flavor.choices)
    url = models.URLField("Webhook 地址", max_length=500)
    secret = models.CharField(
        "加签密钥", max_length=200, blank=True, help_text="钉钉、飞书的签名校验密钥（可选）"
    )
    department = models.ForeignKey(
        "departments.Department",
        verbose_name="部门",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="webhooks",
        help_text="该部门负责的舆情的通知发到此群",
    )
    role = models.CharField(
        "角色", max_length=30, blank=True, help_text="发给该角色的通知也发到此群（如 office、admin_office）"
    )
    is_active = models.BooleanField("启用", default=True)
    history = HistoricalRecords(excluded_fields=["secret"])

    class Meta:
        verbose_name = "群机器人"
        verbose_name_plural = "群机器人"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(department__isnull=False) | ~Q(role=""), name="webhook_has_audience"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SchedulerHeartbeat(models.Model):
    """The last sweep: when the scheduler is silent, the office must see it (a stopped clock is the worst)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_sweep_at = models.DateTimeField("最近一次检查")
    last_duration_ms = models.PositiveIntegerField("耗时（毫秒）", default=0)
    last_processed = models.PositiveIntegerField("处理时限数", default=0)

    class Meta:
        verbose_name = "定时任务心跳"
        verbose_name_plural = "定时任务心跳"

    def __str__(self) -> str:
        return f"{timezone.localtime(self.last_sweep_at):%Y-%m-%d %H:%M:%S}"


class Notice(models.Model):
    """Outbox: who must be told what. Written in the same transaction as the change, delivered later.

    One row per recipient and channel (a webhook row names its endpoint instead of a person); the unique
    `dedupe_key` makes writing it idempotent, `claimed_until` lets exactly one worker send it at a time.
    """

    class Channel(models.TextChoices):
        IN_APP = "in_app", "站内消息"
        EMAIL = "email", "邮件"
        WEBHOOK = "webhook", "群机器人"

    recipient = models.ForeignKey(
        USER, verbose_name="接收人", on_delete=models.PROTECT, null=True, blank=True, related_name="notices"
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name="群机器人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField("渠道", max_length=20, choices=Channel.choices, default=Channel.IN_APP)
    kind = models.CharField("类型", max_length=40)
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="notices"
    )
    deadline = models.ForeignKey(
        Deadline, on_delete=models.PROTECT, null=True, blank=True, related_name="notices"
    )
    subject = models.CharField("标题", max_length=200)
    text = models.TextField("内容")
    link = models.CharField("链接", max_length=300, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField("创建时间")
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    cancelled_at = models.DateTimeField(
        "取消时间", null=True, blank=True, help_text="时限已完成或撤销，不再发送"
    )
    queued_at = models.DateTimeField("排队时间", null=True, blank=True)
    claimed_until = models.DateTimeField("发送锁定至", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    last_error = models.TextField("最近错误", blank=True)

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(sent_at__isnull=True, cancelled_at__isnull=True),
                name="notice_pending",
            ),
            models.Index(fields=["recipient", "-created_at"], name="notice_recipient_recent"),
            # The bell's unread count on every page stays small however many notices a person ever had.
            models.Index(
                fields=["recipient"],
                condition=Q(channel="in_app", read_at__isnull=True, cancelled_at__isnull=True),
                name="notice_unread",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(channel="webhook") & Q(endpoint__isnull=False) & Q(recipient__isnull=True))
                | (~Q(channel="webhook") & Q(recipient__isnull=False) & Q(endpoint__isnull=True)),
                name="notice_has_one_addressee",
            ),
        ]

    def __str__(self) -> str:
        return self.subject


class FormToken(models.Model):
    """A form's one-time token, claimed by the first request that sends it (incidents.tokens).

    A row, not a cache key: the claim must hold with Redis down, or a double click would act twice.
    """

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "表单令牌"
        verbose_name_plural = "表单令牌"
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["user", "token"], name="formtoken_once_per_user")]

    def __str__(self) -> str:
        return self.token
