"""After the disposal (第十四条) and who handles it (附件 处置表「舆情处置小组人员名单」): the office's waiver of
the review meeting, and the members of an incident's disposal team."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from .incident import Incident

USER = settings.AUTH_USER_MODEL


class ReviewWaiver(models.Model):
    """第十四条: archiving needs a 复盘会, or the office's recorded reason for holding none."""

    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="review_waiver")
    reason = models.TextField("免于复盘理由")
    waived_by = models.ForeignKey(USER, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    waived_at = models.DateTimeField("登记时间")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "免于复盘登记"
        verbose_name_plural = "免于复盘登记"
        default_permissions = ("view",)
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="review_waiver_has_reason")]

    def __str__(self) -> str:
        return f"{self.incident.number} 免于复盘"


class DisposalTeamMember(models.Model):
    """舆情处置小组: a member who is a user sees and acts on the incident as its department does."""

    class Role(models.TextChoices):
        LEADER = "leader", "组长"
        MEMBER = "member", "成员"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="team_members")
    user = models.ForeignKey(
        USER, verbose_name="系统用户", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField("姓名", max_length=50, blank=True, help_text="校外或未开通账号的人员填写姓名")
    unit = models.CharField("单位/部门", max_length=100, blank=True)
    role = models.CharField("职责", max_length=10, choices=Role.choices, default=Role.MEMBER)
    phone = models.CharField("联系电话", max_length=30, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "处置小组成员"
        verbose_name_plural = "处置小组成员"
        ordering = ["incident", "role", "id"]  # 组长 ("leader") before 成员 ("member")
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(condition=Q(user__isnull=False) | ~Q(name=""), name="team_member_named"),
            models.UniqueConstraint(fields=["incident", "user"], name="team_member_once"),
        ]
        indexes = [models.Index(fields=["user", "incident"], name="team_member_user")]

    def __str__(self) -> str:
        return f"{self.incident.number} {self.get_role_display()} {self.display_name}"

    @property
    def display_name(self) -> str:
        return self.user.display_name if self.user_id else self.name

    @property
    def line(self) -> str:
        """One member as the 处置表 lists them: 姓名（单位，电话）."""
        extra = "，".join(p for p in (self.unit, self.phone) if p)
        return f"{self.display_name}（{extra}）" if extra else self.display_name


def team_text(members) -> str:
    """The 处置表's row 「舆情处置小组人员名单」 drawn from the team: 组长：…；成员：…"""
    parts = []
    for role in DisposalTeamMember.Role:
        names = "、".join(m.line for m in members if m.role == role)
        if names:
            parts.append(f"{role.label}：{names}")
    return "；".join(parts)
