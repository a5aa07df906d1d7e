"""One-time form tokens: a form sent twice acts once."""

from django.conf import settings
from django.db import models
from django.utils import timezone

USER = settings.AUTH_USER_MODEL


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
