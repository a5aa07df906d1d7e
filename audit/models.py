"""The security log (安全日志, 等保2.0): one append-only, hash-chained table of who did what, when, from where.

Each row carries its sequence number, the hash of the row before it and its own hash over both and its content,
so an edited, deleted, inserted or re-ordered row breaks the chain at that row (`manage.py verify_audit`). On
PostgreSQL triggers also refuse UPDATE and DELETE (migration 0001), except the purge of rows past retention.
"""

from django.db import models


class SecurityEvent(models.Model):
    class Kind(models.TextChoices):
        LOGIN = "login", "登录"
        LOGOUT = "logout", "退出登录"
        LOGIN_FAILED = "login_failed", "登录失败"
        LOCKOUT = "lockout", "账号锁定"
        PASSWORD_CHANGE = "password_change", "修改密码"
        ROLE_CHANGE = "role_change", "角色变更"
        GRANT_CHANGE = "grant_change", "部门权限变更"
        ACCESS_REFUSED = "access_refused", "拒绝访问"
        DOWNLOAD = "download", "下载"
        EXPORT = "export", "导出"
        PURGE = "purge", "清理过期日志"
        VERIFY = "verify", "核验日志链"

    class Result(models.TextChoices):
        SUCCESS = "success", "成功"
        FAILURE = "failure", "失败"
        REFUSED = "refused", "拒绝"

    seq = models.PositiveBigIntegerField("序号", unique=True)
    at = models.DateTimeField("时间", db_index=True)
    kind = models.CharField("事件", max_length=20, choices=Kind.choices, db_index=True)
    result = models.CharField("结果", max_length=10, choices=Result.choices)
    # The person by id and name, not a foreign key: the log outlives accounts, and a cascade would rewrite it.
    user_id = models.BigIntegerField("用户ID", null=True, blank=True, db_index=True)
    username = models.CharField("用户名", max_length=150, blank=True)
    ip = models.GenericIPAddressField("地址", null=True, blank=True)
    path = models.CharField("请求路径", max_length=500, blank=True)
    target = models.CharField("对象", max_length=300, blank=True)
    detail = models.TextField("详情", blank=True)
    prev_hash = models.CharField("前一条哈希", max_length=64)
    row_hash = models.CharField("本条哈希", max_length=64, unique=True)

    class Meta:
        verbose_name = "安全日志"
        verbose_name_plural = "安全日志"
        ordering = ["-seq"]
        indexes = [models.Index(fields=["user_id", "-at"], name="securityevent_user_recent")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.username}"


class ChainHead(models.Model):
    """The end of the chain (one row): locked by every writer, so events are chained one at a time.

    `anchor_*` is where the chain starts after a purge: the hash the first remaining row must point back to.
    """

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)
    anchor_seq = models.PositiveBigIntegerField(default=0)
    anchor_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "日志链头"
        verbose_name_plural = "日志链头"

    def __str__(self) -> str:
        return f"安全日志链：至序号 {self.last_seq}"


class HistorySeal(models.Model):
    """One row of a record's history (django-simple-history) taken into the history chain.

    The history tables stay as simple-history writes them; each of their rows gets a seal here, in the order it
    was committed, whose hash covers the row's content, its place and the seal before it. An edited, deleted or
    re-ordered history row then no longer matches its seal, and a deleted seal breaks the chain.
    """

    seq = models.PositiveBigIntegerField("序号", unique=True)
    table = models.CharField("历史表", max_length=63)
    history_id = models.BigIntegerField("历史记录ID")
    layout = models.CharField("字段布局", max_length=16)
    sealed_at = models.DateTimeField("入链时间")
    prev_hash = models.CharField("前一条哈希", max_length=64)
    row_hash = models.CharField("本条哈希", max_length=64, unique=True)

    class Meta:
        verbose_name = "历史记录链"
        verbose_name_plural = "历史记录链"
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["table", "history_id"], name="historyseal_once")]

    def __str__(self) -> str:
        return f"{self.table} #{self.history_id}（序号 {self.seq}）"


class HistoryLayout(models.Model):
    """The fields a seal's hash covers, by their digest: a history table that gains a field keeps its old
    seals verifiable, because they are checked against the fields they were made with."""

    digest = models.CharField(max_length=16, primary_key=True)
    table = models.CharField(max_length=63)
    fields = models.JSONField()

    class Meta:
        verbose_name = "历史记录字段布局"
        verbose_name_plural = "历史记录字段布局"

    def __str__(self) -> str:
        return f"{self.table}（{len(self.fields)} 个字段）"


class HistoryChainHead(models.Model):
    """The end of the history chain (one row), locked by every sealer so seals are chained one batch at a time."""

    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "历史记录链头"
        verbose_name_plural = "历史记录链头"

    def __str__(self) -> str:
        return f"历史记录链：至序号 {self.last_seq}"
