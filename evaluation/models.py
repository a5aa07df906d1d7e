"""第十五条: the commendation and accountability ledger (台账) and the office's weights for the yearly score.

The yearly figures themselves are not stored: evaluation.selectors computes them from the incidents, their
deadlines and statements whenever they are asked for, so they can never disagree with the case records.
"""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from opinion_system.stored_files import StoredFile

USER = settings.AUTH_USER_MODEL


class LedgerEntry(models.Model):
    """One decision of commendation or accountability (第十五条), with what it concerned."""

    class Kind(models.TextChoices):
        COMMENDATION = "commendation", "表彰"
        REWARD = "reward", "奖励"
        CRITICISM = "criticism", "批评教育"
        ACCOUNTABILITY = "accountability", "问责"
        DISCIPLINE = "discipline", "纪律处分"

    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    # 第十五条 rewards people and the information platform (信息平台) alike: a member of staff is a user, anything
    # else (the platform, a person without an account) is named in words.
    person = models.ForeignKey(
        USER, verbose_name="人员", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_name = models.CharField(
        "对象名称", max_length=100, blank=True, help_text="信息平台或非系统用户的人员姓名"
    )
    department = models.ForeignKey(
        "departments.Department", verbose_name="部门", on_delete=models.PROTECT, related_name="ledger_entries"
    )
    decision = models.TextField("决定内容")
    decided_by = models.CharField("决定机关", max_length=100, help_text="如：学校党委、校长办公会")
    decided_on = models.DateField("决定日期")
    incidents = models.ManyToManyField(
        "incidents.Incident", verbose_name="关联舆情", through="LedgerLink", related_name="+", blank=True
    )
    recorded_by = models.ForeignKey(USER, verbose_name="登记人", on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField("登记时间")
    # Optimistic lock, as on the incidents: every save bumps it, a form carries the value it was opened with.
    version = models.PositiveIntegerField("版本", default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "表彰与问责台账"
        verbose_name_plural = "表彰与问责台账"
        ordering = ["-decided_on", "-id"]
        default_permissions = ("view",)  # written only through evaluation.services
        indexes = [models.Index(fields=["decided_on", "department"], name="ledger_year_department")]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(subject_name=""), name="ledger_entry_has_subject"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decided_on:%Y-%m-%d} {self.get_kind_display()} {self.subject}"

    @property
    def subject(self) -> str:
        """Who the decision is about, as people read it."""
        if self.person_id and self.subject_name:
            return f"{self.person.display_name}（{self.subject_name}）"
        return self.person.display_name if self.person_id else self.subject_name


class LedgerLink(models.Model):
    """An incident a ledger entry concerns; a row of its own so that linking and unlinking keep their history."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.CASCADE, related_name="links")
    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "台账关联舆情"
        verbose_name_plural = "台账关联舆情"
        default_permissions = ("view",)
        constraints = [models.UniqueConstraint(fields=["entry", "incident"], name="ledger_link_unique")]

    def __str__(self) -> str:
        return f"{self.entry_id} → {self.incident_id}"


def attachment_path(instance: "LedgerAttachment", filename: str) -> str:
    # Never the uploader's name: a random name with the extension of the detected type.
    return f"ledger/{uuid.uuid4().hex}{PurePosixPath(filename).suffix.lower()}"


class LedgerAttachment(StoredFile):
    """A scan of the decision (PDF or image), checked like evidence and served only through an access check."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField("文件", upload_to=attachment_path, max_length=200)
    history = HistoricalRecords()

    class Meta(StoredFile.Meta):
        verbose_name = "台账附件"
        verbose_name_plural = "台账附件"


WEIGHT_LIMIT = 1000  # a weight beyond ±1000 per item is a typing error, not a policy


def weight_field(label: str, help_text: str = "") -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=7,
        decimal_places=2,
        default=0,
        help_text=help_text,
        validators=[MinValueValidator(-WEIGHT_LIMIT), MaxValueValidator(WEIGHT_LIMIT)],
    )


class EvaluationWeights(models.Model):
    """The office's weights for one calendar year; a year without a row has no score, only the raw figures.

    score = base + Σ weight × figure, over the figures named by WEIGHTED_FIGURES (evaluation.selectors):
    a deduction is a negative weight (e.g. -2 per late first report), a commendation a positive one.
    """

    year = models.PositiveSmallIntegerField(
        "年度", unique=True, validators=[MinValueValidator(2000), MaxValueValidator(2099)]
    )
    base = weight_field("基础分", "每个部门和负责人的起始分，如 100")
    first_reports_late = weight_field("首报迟报（每起）")
    exchanges_missed = weight_field("互通信息缺报（每次）")
    filings_late = weight_field("处置表逾期报备（每起）")
    statements_returned = weight_field("通稿被党政办退回（每次）")
    deadlines_overdue = weight_field("时限逾期（每项）")
    overdue_hours = weight_field("逾期时长（每小时）")
    escalations = weight_field("被督办（每次）")
    nil_reports_missed = weight_field("零报告缺报（每次）", "重点监测时段内未按时报送零报告（含迟报）")
    commendations = weight_field("表彰（每项）")
    rewards = weight_field("奖励（每项）")
    criticisms = weight_field("批评教育（每项）")
    accountabilities = weight_field("问责（每项）")
    disciplines = weight_field("纪律处分（每项）")
    updated_by = models.ForeignKey(USER, verbose_name="设置人", on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField("设置时间")
    version = models.PositiveIntegerField("版本", default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "考核权重"
        verbose_name_plural = "考核权重"
        ordering = ["-year"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.year} 年度考核权重"


# The figures a weight applies to, each named like its EvaluationWeights field (the score's terms, in order).
WEIGHTED_FIGURES = (
    "first_reports_late",
    "exchanges_missed",
    "filings_late",
    "statements_returned",
    "deadlines_overdue",
    "overdue_hours",
    "escalations",
    "nil_reports_missed",
    "commendations",
    "rewards",
    "criticisms",
    "accountabilities",
    "disciplines",
)
# Each kind of ledger entry counts as the figure of the same name.
KIND_FIGURES = {
    LedgerEntry.Kind.COMMENDATION: "commendations",
    LedgerEntry.Kind.REWARD: "rewards",
    LedgerEntry.Kind.CRITICISM: "criticisms",
    LedgerEntry.Kind.ACCOUNTABILITY: "accountabilities",
    LedgerEntry.Kind.DISCIPLINE: "disciplines",
}
