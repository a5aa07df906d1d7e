"""The clients of the REST API: monitoring tools of the 实训（信息）中心 (第七条) and the office's own scripts.

A client acts as one user account, so every permission decision stays the access modules' (incidents.access,
leads.access). The token itself is never stored: only its SHA-256 and a short prefix a person can recognise.
"""

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords


class ApiClient(models.Model):
    name = models.CharField("名称", max_length=100, help_text="如：实训（信息）中心舆情监测系统")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="代表账号",
        on_delete=models.PROTECT,
        related_name="api_clients",
        help_text="接口以此账号的身份和权限办理（实训（信息）中心或党群工作部的服务账号）",
    )
    token_prefix = models.CharField("令牌前缀", max_length=12, help_text="只保存令牌开头几位，便于辨认")
    token_hash = models.CharField("令牌摘要", max_length=64, unique=True, editable=False)
    is_active = models.BooleanField("启用", default=True)
    rate_per_minute = models.PositiveIntegerField(
        "每分钟请求上限", null=True, blank=True, help_text="留空则用系统设置 API_RATE_PER_MINUTE"
    )
    created_at = models.DateTimeField("创建时间")
    last_used_at = models.DateTimeField("最近使用时间", null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["token_hash", "last_used_at"])

    class Meta:
        verbose_name = "接口客户端"
        verbose_name_plural = "接口客户端"
        ordering = ["name", "id"]
        default_permissions = ("view", "change")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rate_per_minute__isnull=True) | models.Q(rate_per_minute__gt=0),
                name="api_client_rate_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.token_prefix}…）"

    @property
    def rate(self) -> int:
        return self.rate_per_minute or settings.API_RATE_PER_MINUTE
