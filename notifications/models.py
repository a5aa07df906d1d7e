"""The notices the system sends (in-app, e-mail, group robots, a person's WeCom / DingTalk / SMS) and the robots' endpoints.

The tables keep the names they had when these models lived in incidents (moved without touching the database,
see migrations/0001_initial.py); the incident and deadline a notice is about are named by string, so this app
never imports incidents.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

USER = settings.AUTH_USER_MODEL


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
    history = HistoricalRecords(excluded_fields=["secret"], table_name="incidents_historicalwebhookendpoint")

    class Meta:
        db_table = "incidents_webhookendpoint"
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


class Notice(models.Model):
    """Outbox: who must be told what. Written in the same transaction as the change, delivered later.

    One row per recipient and channel (a webhook row names its endpoint instead of a person); the unique
    `dedupe_key` makes writing it idempotent, `claimed_until` lets exactly one worker send it at a time.
    """

    class Channel(models.TextChoices):
        IN_APP = "in_app", "站内消息"
        EMAIL = "email", "邮件"
        WEBHOOK = "webhook", "群机器人"
        WECOM = "wecom", "企业微信应用消息"
        DINGTALK = "dingtalk", "钉钉工作通知"
        SMS = "sms", "短信"

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
        "incidents.Incident", on_delete=models.PROTECT, null=True, blank=True, related_name="notices"
    )
    deadline = models.ForeignKey(
        "incidents.Deadline", on_delete=models.PROTECT, null=True, blank=True, related_name="notices"
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
        db_table = "incidents_notice"
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
            # A person's recent messages on one platform, counted before each send against the platform's caps
            # (notifications.channels.limits): only sent rows of the outgoing channels.
            models.Index(
                fields=["recipient", "channel", "sent_at"],
                condition=Q(sent_at__isnull=False) & ~Q(channel__in=["in_app", "webhook"]),
                name="notice_person_sent",
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
