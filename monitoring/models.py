"""第八条 重点监测: the office's calendar of key monitoring periods, the duty roster and the daily 零报告.

During a period the regulation asks for closer monitoring: a banner on every page, a person on duty each day
who also hears the level-2 and level-1 notices, earlier deadline reminders (per period), and a daily report
from every department's liaison — "本部门今日未发现舆情", or the incidents it filed that day.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

USER = settings.AUTH_USER_MODEL
LEAD_LIMIT_MINUTES = 7 * 24 * 60  # a lead beyond a week is a typing error, not a policy


class KeyMonitoringPeriod(models.Model):
    """A span of Beijing calendar days (both ends included) under 重点监测."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", "国家法定节假日"
        POLITICAL = "political", "国家重大政治活动"
        SENSITIVE = "sensitive", "敏感时期"
        SCHOOL = "school", "学校重大活动"

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类别", max_length=20, choices=Kind.choices)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期", help_text="含当天（北京时间）")
    reminder_lead_minutes = models.PositiveIntegerField(
        "时限提醒提前（分钟）",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(LEAD_LIMIT_MINUTES)],
        help_text="时段内到期的时限提前多少分钟提醒；比平时更早时生效，留空按平时",
    )
    nil_report_required = models.BooleanField("要求零报告", default=True)
    note = models.TextField("备注", blank=True)
    # Which chinese_calendar festival a seeded period came from (year:festival): seeding again finds it and
    # leaves the office's edits alone. Empty for what the office entered.
    seed_key = models.CharField("导入标识", max_length=50, blank=True, editable=False)
    created_by = models.ForeignKey(
        USER, verbose_name="登记人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("登记时间")
    version = models.PositiveIntegerField("版本", default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "重点监测时段"
        verbose_name_plural = "重点监测时段"
        ordering = ["start_date", "id"]
        default_permissions = ("view",)  # written only through monitoring.services
        indexes = [models.Index(fields=["end_date", "start_date"], name="period_dates")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="period_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["seed_key"], condition=~Q(seed_key=""), name="period_seed_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.span}）"

    @property
    def span(self) -> str:
        return span(self.start_date, self.end_date)


def span(start, end) -> str:
    """10月1日—10月8日, with the year when the span crosses one."""
    if start.year != end.year:
        return f"{start.year}年{start.month}月{start.day}日—{end.year}年{end.month}月{end.day}日"
    return f"{start.month}月{start.day}日—{end.month}月{end.day}日"


class DutyShift(models.Model):
    """值班表: who is on duty on one day of a period, and how to reach them."""

    period = models.ForeignKey(
        KeyMonitoringPeriod, verbose_name="重点监测时段", on_delete=models.CASCADE, related_name="shifts"
    )
    date = models.DateField("日期")
    person = models.ForeignKey(USER, verbose_name="值班人员", on_delete=models.PROTECT, related_name="+")
    phone = models.CharField("值班电话", max_length=30)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "值班安排"
        verbose_name_plural = "值班表"
        ordering = ["date", "id"]
        default_permissions = ("view",)
        constraints = [models.UniqueConstraint(fields=["period", "date"], name="duty_one_per_day")]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.person}"


class NilReport(models.Model):
    """One department's 零报告 for one Beijing day of a period: owed by NIL_REPORT_DUE_TIME.

    The row is written by the sweep when the day begins to be owed; the sweep's notices are claimed on it
    (reminded_at, overdue_at), each with a conditional UPDATE, so each goes out once.
    """

    period = models.ForeignKey(
        KeyMonitoringPeriod, verbose_name="重点监测时段", on_delete=models.PROTECT, related_name="nil_reports"
    )
    department = models.ForeignKey(
        "departments.Department", verbose_name="部门", on_delete=models.PROTECT, related_name="nil_reports"
    )
    day = models.DateField("日期")
    due_at = models.DateTimeField("报送时限")
    created_at = models.DateTimeField("创建时间")
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        USER, verbose_name="报送人", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    nothing_found = models.BooleanField("未发现舆情", default=False)
    note = models.TextField("补充说明", blank=True)
    incidents = models.ManyToManyField(
        "incidents.Incident", verbose_name="当日上报的舆情", related_name="+", blank=True
    )
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)
    overdue_at = models.DateTimeField("逾期时间", null=True, blank=True, help_text="到时未报，计为缺报")
    history = HistoricalRecords()

    class Meta:
        verbose_name = "零报告"
        verbose_name_plural = "零报告"
        ordering = ["-day", "department__sort_order", "id"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["due_at"], condition=Q(submitted_at__isnull=True), name="nil_report_open")
        ]
        constraints = [models.UniqueConstraint(fields=["department", "day"], name="nil_report_one_per_day")]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {self.department}"

    @property
    def status(self) -> str:
        """已报送 / 迟报 / 缺报 / 待报送, as the office's page shows it."""
        if self.submitted_at is not None:
            return "迟报" if self.submitted_at > self.due_at else "已报送"
        return "缺报" if self.overdue_at is not None else "待报送"

    @property
    def missed(self) -> bool:
        """Not in by the due time (late or never): 第十五条 counts it like every other miss."""
        return self.overdue_at is not None or (
            self.submitted_at is not None and self.submitted_at > self.due_at
        )
