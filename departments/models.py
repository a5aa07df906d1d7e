"""Departments, people, liaisons (备案) and the register of official media accounts (第十三条)."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from .roles import Role

# What the history of a person keeps: who they are and where their notices go. The password, the sign-in times
# and the role flags are not copied (roles and grants are in the security log).
USER_HISTORY_FIELDS = frozenset(
    {"username", "full_name", "email", "department", "phone", "wecom_userid", "dingtalk_userid", "is_active"}
)


class UserHistory(HistoricalRecords):
    """History of a person, written only when a tracked field may have changed.

    A save naming only other fields (the sign-in's last_login, a password change) writes no row: every login
    would otherwise add one.
    """

    def post_save(self, instance, created, using=None, **kwargs):
        update_fields = kwargs.get("update_fields")
        if not created and update_fields is not None and not (set(update_fields) & USER_HISTORY_FIELDS):
            return
        super().post_save(instance, created, using=using, **kwargs)


class User(AbstractUser):
    """A member of staff; `department` is where they work, roles are groups."""

    full_name = models.CharField("姓名", max_length=50, blank=True)
    department = models.ForeignKey(
        "departments.Department",
        verbose_name="所在部门",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    phone = models.CharField("联系电话", max_length=30, blank=True)
    # The person's own account on the college's messaging platforms: a group robot reaches a group, these reach
    # the one person who owes a deadline (notifications' wecom and dingtalk channels).
    wecom_userid = models.CharField(
        "企业微信账号",
        max_length=64,
        blank=True,
        help_text="企业微信通讯录中的账号（UserID），用于发送企业微信应用消息；留空则不发",
    )
    dingtalk_userid = models.CharField(
        "钉钉账号",
        max_length=64,
        blank=True,
        help_text="钉钉通讯录中的 userid，用于发送钉钉工作通知；留空则不发",
    )
    # The password policy (accounts): when the password was last set, and whether an administrator set it.
    password_changed_at = models.DateTimeField(
        "密码修改时间", null=True, blank=True, help_text="为空时按加入时间计算密码有效期"
    )
    must_change_password = models.BooleanField(
        "须修改密码", default=False, help_text="初始密码或管理员重设的密码：本人下次登录须先修改"
    )

    history = UserHistory(
        excluded_fields=[
            "password",
            "last_login",
            "is_superuser",
            "first_name",
            "last_name",
            "is_staff",
            "date_joined",
            "password_changed_at",
            "must_change_password",
        ]
    )

    class Meta(AbstractUser.Meta):
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            # Two people with one platform account would each receive the other's notices.
            models.UniqueConstraint(
                fields=["wecom_userid"], condition=~Q(wecom_userid=""), name="user_unique_wecom_userid"
            ),
            models.UniqueConstraint(
                fields=["dingtalk_userid"],
                condition=~Q(dingtalk_userid=""),
                name="user_unique_dingtalk_userid",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username


class RoleGroup(models.Model):
    """Which group holds which role of the regulation: the code is what the program reads, so an administrator
    may rename the group (what people read) without taking its rights away."""

    group = models.OneToOneField(
        "auth.Group", verbose_name="用户组", on_delete=models.CASCADE, primary_key=True, related_name="role"
    )
    code = models.CharField("角色代码", max_length=30, choices=Role.choices, unique=True)

    class Meta:
        verbose_name = "角色"
        verbose_name_plural = "角色"

    def __str__(self) -> str:
        return self.get_code_display()


class Department(models.Model):
    class Kind(models.TextChoices):
        FUNCTIONAL = "functional", "职能部门"
        COLLEGE = "college", "二级学院（部）"

    class Duty(models.TextChoices):
        """What the regulation gives this department to do beyond its own incidents."""

        NONE = "", "无"
        OFFICE = "office", "领导小组办公室（党群工作部）"
        ADMIN_OFFICE = "admin_office", "党政办（审定回复通稿）"
        # 第七条: 实训（信息）中心 does the technical monitoring; its tools push 线索 through the API.
        INFO_CENTER = "info_center", "实训（信息）中心（技术监测）"

    name = models.CharField("部门名称", max_length=100, unique=True)
    code = models.SlugField("简称代码", max_length=20, unique=True, help_text="英文字母或数字，如 XSC")
    kind = models.CharField("类型", max_length=20, choices=Kind.choices, default=Kind.FUNCTIONAL)
    duty = models.CharField("职责标记", max_length=20, choices=Duty.choices, blank=True, default="")
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="部门负责人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="headed_departments",
    )
    supervising_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="分管院领导",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_departments",
    )
    is_example = models.BooleanField(
        "示例数据", default=False, help_text="细则未列出二级学院名称，演示数据中的学院为示例"
    )
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=100)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["sort_order", "id"]
        permissions = [
            # Granted per department (django-guardian) by departments.services, never by signals.
            ("view_department_incidents", "查看本部门舆情"),
            ("act_department_incidents", "处置本部门舆情"),
        ]
        constraints = [
            # Exactly one office and one statement approver (第三条, 第十条).
            models.UniqueConstraint(fields=["duty"], condition=~Q(duty=""), name="department_one_per_duty"),
        ]

    def __str__(self) -> str:
        return self.name


class Liaison(models.Model):
    """联络员 (第五条): named by a department, registered (备案) with the office; only then may act."""

    class Status(models.TextChoices):
        PENDING = "pending", "待备案"
        REGISTERED = "registered", "已备案"
        INACTIVE = "inactive", "已停用"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.PROTECT, related_name="liaisons"
    )
    department = models.ForeignKey(
        Department, verbose_name="部门", on_delete=models.PROTECT, related_name="liaisons"
    )
    phone = models.CharField("联系电话", max_length=30, blank=True)
    status = models.CharField("备案状态", max_length=20, choices=Status.choices, default=Status.PENDING)
    registered_at = models.DateField("备案日期", null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="备案人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "联络员"
        verbose_name_plural = "联络员"
        ordering = ["department__sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "department"], name="liaison_unique_per_department"),
            models.CheckConstraint(
                condition=~Q(status="registered") | Q(registered_at__isnull=False),
                name="liaison_registered_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} · {self.user}"

    @property
    def is_registered(self) -> bool:
        return self.status == self.Status.REGISTERED


class OfficialMediaAccount(models.Model):
    """第十三条: each official channel is edited by a designated liaison of its department, never by students
    or a third party."""

    class Platform(models.TextChoices):
        WEBSITE = "website", "网站/网页"
        WECHAT = "wechat", "微信公众号"
        WEIBO = "weibo", "微博"
        DOUYIN = "douyin", "抖音"
        BILIBILI = "bilibili", "哔哩哔哩"
        OTHER = "other", "其他"

    platform = models.CharField("平台", max_length=20, choices=Platform.choices)
    name = models.CharField("账号名称", max_length=100)
    url = models.URLField("网址", max_length=500, blank=True)
    department = models.ForeignKey(
        Department, verbose_name="所属部门", on_delete=models.PROTECT, related_name="media_accounts"
    )
    editor = models.ForeignKey(
        Liaison,
        verbose_name="编辑发布负责人（联络员）",
        on_delete=models.PROTECT,
        related_name="media_accounts",
    )
    is_active = models.BooleanField("在用", default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "官方媒体账号"
        verbose_name_plural = "官方媒体账号"
        ordering = ["department__sort_order", "platform", "name"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "name"], name="media_account_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} · {self.name}"

    def clean(self) -> None:
        if self.editor_id and self.department_id:
            editor = self.editor
            if editor.department_id != self.department_id:
                raise ValidationError(
                    {"editor": "第十三条：编辑发布权只能由本部门联络员负责，所选人员不是该部门的联络员。"}
                )
            if not editor.is_registered:
                raise ValidationError(
                    {"editor": "第十三条：编辑发布负责人必须是已在领导小组办公室备案且在岗的联络员。"}
                )
