"""Deadlines as rows (第十条) and the sweep's heartbeat."""

import datetime as dt
import math

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ..rules import FILING_HOURS, Exchange, LevelOneDutyKind
from .incident import Incident

USER = settings.AUTH_USER_MODEL


class Deadline(models.Model):
    """时限: a stored due time and what happened to it; incidents.engine sweeps the open ones.

    `next_notice_at` is the one moment the sweep looks at: the reminder before `due_at`, then the overdue
    notice at `due_at`, the escalation (督办) later, and repeats while overdue, until met or moot.
    """

    class Kind(models.TextChoices):
        FILING = "filing", f"处置结束{FILING_HOURS}小时内报送处置表"
        DAILY_EXCHANGE = Exchange.DAILY.value, Exchange.DAILY.label
        ROUND_THE_CLOCK = Exchange.ROUND_THE_CLOCK.value, Exchange.ROUND_THE_CLOCK.label
        STATEMENT_REVIEW = "statement_review", "党政办审定回复通稿"
        LEADER_OPINION = "leader_opinion", "分管院领导填写处置意见"
        # 第九条、第十条 一级: each level-1 duty is due within rules.LEVEL_ONE_DUTY_HOURS of the decision.
        DUTY_REPORT_TOP_LEADERS = (
            "duty_report_top_leaders",
            f"一级响应：{LevelOneDutyKind.REPORT_TOP_LEADERS.label}",
        )
        DUTY_REPORT_SUPERIOR = "duty_report_superior", f"一级响应：{LevelOneDutyKind.REPORT_SUPERIOR.label}"
        DUTY_SPECIAL_MEETING = "duty_special_meeting", f"一级响应：{LevelOneDutyKind.SPECIAL_MEETING.label}"
        DUTY_EMERGENCY_PLAN = "duty_emergency_plan", f"一级响应：{LevelOneDutyKind.EMERGENCY_PLAN.label}"

    class State(models.TextChoices):
        OPEN = "open", "进行中"
        MET = "met", "已完成"
        # An exchange still overdue when it stopped being asked for (the disposal ended, the level changed):
        # the miss stays on record (第十五条 counts it), it is not excused as moot.
        MISSED = "missed", "逾期未报"
        MOOT = "moot", "已撤销"

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="deadlines")
    kind = models.CharField("时限类型", max_length=30, choices=Kind.choices)
    due_at = models.DateTimeField("截止时间")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField("创建时间")
    met_at = models.DateTimeField("完成时间", null=True, blank=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)
    closed_reason = models.CharField("结束说明", max_length=200, blank=True)
    # 第十五条: how many reports an exchange deadline missed — calendar days at level 2, intervals at level 1 —
    # fixed when it closes (see misses_until); 0 for the other kinds and for a deadline met in time.
    misses = models.PositiveSmallIntegerField("缺报次数", default=0)
    next_notice_at = models.DateTimeField("下次通知时间", null=True, blank=True)
    reminded_at = models.DateTimeField("已提醒", null=True, blank=True)
    overdue_at = models.DateTimeField("已逾期通知", null=True, blank=True)
    escalated_at = models.DateTimeField("已督办", null=True, blank=True)
    overdue_notices = models.PositiveSmallIntegerField("逾期通知次数", default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "时限"
        verbose_name_plural = "时限"
        ordering = ["due_at", "id"]
        default_permissions = ("view",)
        indexes = [
            # The sweep's one query: open rows whose next notice has come (see incidents.engine).
            models.Index(
                fields=["next_notice_at"], condition=Q(state="open"), name="deadline_open_next_notice"
            ),
            models.Index(fields=["due_at"], condition=Q(state="open"), name="deadline_open_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "kind"], condition=Q(state="open"), name="deadline_one_open_per_kind"
            ),
            models.CheckConstraint(
                condition=~Q(state="met") | Q(met_at__isnull=False), name="deadline_met_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident.number} {self.get_kind_display()} {timezone.localtime(self.due_at):%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        """Still to be met (notifications.delivery asks it before sending a reminder)."""
        return self.state == self.State.OPEN

    @property
    def met_late(self) -> bool:
        return self.met_at is not None and self.met_at > self.due_at

    def misses_until(self, moment: dt.datetime) -> int:
        """The exchanges missed by `moment`: each calendar day (Beijing) at level 2 and each interval at level 1
        counts once (第十条: 二级每天、一级24小时互通信息)."""
        return exchange_misses(self.kind, self.due_at, moment)

    @property
    def late_by(self) -> dt.timedelta | None:
        """How long past due it was done or closed (or is, while open); None when never overdue."""
        end = self.met_at or self.closed_at or timezone.now()
        return end - self.due_at if end > self.due_at else None


def exchange_misses(kind: str, due_at: dt.datetime, moment: dt.datetime) -> int:
    """How many exchange reports were missed between the due time and `moment` (0 before the due time).

    Level 2: the deadline (midnight) asks for the previous day's report; every calendar day from that day to
    the day before `moment` went without one. Level 1: each started interval past due went without one.
    """
    if moment <= due_at:
        return 0
    if kind == Deadline.Kind.DAILY_EXCHANGE:
        zone = timezone.get_default_timezone()  # the college's calendar, whatever zone a request activated
        days = (timezone.localtime(moment, zone).date() - timezone.localtime(due_at, zone).date()).days
        return days + 1
    if kind == Deadline.Kind.ROUND_THE_CLOCK:
        interval = dt.timedelta(hours=settings.LEVEL1_REPORT_INTERVAL_HOURS)
        return math.ceil((moment - due_at) / interval)
    return 0


def duty_deadline_kind(duty_kind: str) -> "Deadline.Kind":
    """The deadline that holds a level-1 duty (one per duty kind)."""
    return Deadline.Kind(f"duty_{duty_kind}")


DUTY_DEADLINE_KINDS = tuple(duty_deadline_kind(kind) for kind in LevelOneDutyKind)


class SchedulerHeartbeat(models.Model):
    """The last sweep: when the scheduler is silent, the office must see it (a stopped clock is the worst)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_sweep_at = models.DateTimeField("最近一次检查")
    last_duration_ms = models.PositiveIntegerField("耗时（毫秒）", default=0)
    last_processed = models.PositiveIntegerField("处理时限数", default=0)

    class Meta:
        verbose_name = "定时任务心跳"
        verbose_name_plural = "定时任务心跳"

    def __str__(self) -> str:
        return f"{timezone.localtime(self.last_sweep_at):%Y-%m-%d %H:%M:%S}"
