"""The columns of a stored file that was checked by its content (incidents.uploads): one shape for every kind.

A meeting's material, a ledger decision's scan and a lead's screenshot are each their own table, owned by their
own app; what a stored file is — its name as uploaded, the type judged from its bytes, size, SHA-256, who and
when — is written once here. incidents.uploads.store_attachments fills these columns and attachment_response
serves them. Each model adds its owner, its `file` (the folder it is stored in) and its history.
"""

from django.conf import settings
from django.db import models


class StoredFile(models.Model):
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=100)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return self.original_name
