"""Passwords a person has used, so the policy can refuse one of the last N again."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class PasswordHistory(models.Model):
    """One password a person set (its hash only), written by validators.PasswordHistoryValidator."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        on_delete=models.CASCADE,
        related_name="password_history",
    )
    password = models.CharField("密码（哈希值）", max_length=128)
    created_at = models.DateTimeField("设置时间", default=timezone.now)

    class Meta:
        verbose_name = "历史密码"
        verbose_name_plural = "历史密码"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="password_history_recent")]

    def __str__(self) -> str:
        return f"{self.user} · {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"
