"""线索: an item a monitoring tool detected, waiting for the office to judge it (第七条).

A lead is not yet an incident: the office promotes it (a report is filed from it), merges it into an incident it
repeats, or dismisses it with a reason. The same item pushed twice is one lead: its URL and its id in the source
system are each unique, so a tool that pushes again after a timeout, or two tools seeing the same post, add a
sighting to the lead instead of a second row.
"""

import hashlib
import uuid
from pathlib import PurePosixPath
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from opinion_system.stored_files import StoredFile

USER = settings.AUTH_USER_MODEL


def url_key(url: str) -> str:
    """The address as the same post is recognised: scheme and host in lower case, no fragment, no trailing slash.

    The query stays: on forums it names the post (tieba's ?kz=…). Empty for no address.
    """
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url if "://" in url else f"https://{url}")
    scheme = parts.scheme.lower()
    if scheme == "http":  # the same post over http and https
        scheme = "https"
    path = parts.path.rstrip("/")
    normal = urlunsplit((scheme, parts.netloc.lower(), path, parts.query, ""))
    return hashlib.sha256(normal.encode()).hexdigest()


class Lead(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "待处理"
        PROMOTED = "promoted", "已转为舆情"
        MERGED = "merged", "已并入舆情"
        DISMISSED = "dismissed", "已排除"

    platform = models.CharField("平台", max_length=100)
    url = models.CharField("网址", max_length=2000, blank=True)
    url_key = models.CharField("网址指纹", max_length=64, blank=True, editable=False)
    title = models.CharField("标题", max_length=200)
    text = models.TextField("内容", blank=True)
    captured_at = models.DateTimeField("发现时间")
    source_system = models.CharField("来源系统", max_length=100)
    external_id = models.CharField("来源系统编号", max_length=200, blank=True)
    submitted_by = models.ForeignKey(
        USER, verbose_name="推送账号", on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField("收到时间")
    times_seen = models.PositiveIntegerField("推送次数", default=1)
    last_seen_at = models.DateTimeField("最近推送时间")
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.NEW)
    incident = models.ForeignKey(
        "incidents.Incident",
        verbose_name="舆情",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leads",
    )
    handled_by = models.ForeignKey(
        USER, verbose_name="处理人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField("处理时间", null=True, blank=True)
    dismiss_reason = models.TextField("排除理由", blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "线索"
        verbose_name_plural = "线索"
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "-received_at"], name="lead_inbox")]
        constraints = [
            models.UniqueConstraint(fields=["url_key"], condition=~Q(url_key=""), name="lead_unique_url"),
            models.UniqueConstraint(
                fields=["source_system", "external_id"],
                condition=~Q(external_id=""),
                name="lead_unique_external_id",
            ),
            # Promoted or merged names its incident; dismissed has its reason; new has neither.
            models.CheckConstraint(
                condition=(Q(status="new") & Q(incident__isnull=True) & Q(handled_at__isnull=True))
                | (
                    Q(status__in=["promoted", "merged"])
                    & Q(incident__isnull=False)
                    & Q(handled_at__isnull=False)
                )
                | (Q(status="dismissed") & Q(incident__isnull=True) & ~Q(dismiss_reason="")),
                name="lead_status_consistent",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.NEW


def screenshot_path(instance: "LeadScreenshot", filename: str) -> str:
    # Never the tool's file name: a random name with the extension of the detected type.
    return f"leads/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()}"


class LeadScreenshot(StoredFile):
    """A screenshot (or PDF) the tool captured, checked by its content as evidence is (incidents.uploads)."""

    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="screenshots")
    file = models.FileField("文件", upload_to=screenshot_path, max_length=200)
    history = HistoricalRecords()

    class Meta(StoredFile.Meta):
        verbose_name = "线索截图"
        verbose_name_plural = "线索截图"
