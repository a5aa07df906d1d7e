"""The incident list's filter bar (django-filter): what a person narrows the list by; the queryset it narrows is
already limited by incidents.access.

The conditions of the bar's further filters (办理阶段, 时效, 督办, 一级响应事项) are also the ones the leaders'
dashboard counts with: a figure there and the list it drills down to apply the same condition, so they agree.
"""

import datetime as dt

import django_filters
from django import forms
from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from opinion_system.forms import PlausibleDateField, SearchInput, StyledForm

from .forms import department_choices
from .models import Category, Deadline, Incident, Level, LevelOneDuty, Status
from .search import incident_search, validate_search

# Still being handled: not yet filed, archived, or merged into another report as a duplicate.
OPEN_STATUSES = (
    Status.REPORTED,
    Status.IN_DISPOSAL,
    Status.DISPOSAL_ENDED,
    Status.FORM_SUBMITTED,
    Status.RETURNED,
)
# A merged duplicate is the same incident reported twice: counting it would count the incident twice.
COUNTED = ~Q(status=Status.MERGED)
OPEN = Q(status__in=OPEN_STATUSES)


def day_start(day: dt.date) -> dt.datetime:
    """Midnight in Beijing at the start of `day`: "a day" is a calendar day in Asia/Shanghai (DESIGN 7)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def first_report_late() -> Q:
    """第七条 第一时间: reported to the office later than FIRST_REPORT_EXPECTED_MINUTES after it was discovered."""
    allowed = dt.timedelta(minutes=settings.FIRST_REPORT_EXPECTED_MINUTES)
    return Q(reported_at__gt=F("discovered_at") + allowed)


def assessment_on_time() -> Q:
    """研判 within ASSESSMENT_EXPECTED_MINUTES of the report."""
    allowed = dt.timedelta(minutes=settings.ASSESSMENT_EXPECTED_MINUTES)
    return Q(assessed_at__isnull=False, assessed_at__lte=F("reported_at") + allowed)


def assessment_late(*, now: dt.datetime) -> Q:
    """研判 later than expected, or still waiting for it when the expected time has passed."""
    allowed = dt.timedelta(minutes=settings.ASSESSMENT_EXPECTED_MINUTES)
    waiting = Q(assessed_at__isnull=True, reported_at__lt=now - allowed) & COUNTED
    return Q(assessed_at__gt=F("reported_at") + allowed) | waiting


def filing_on_time_deadlines() -> Q:
    """第十条: the 处置表 reached the office within FILING_HOURS of the end of the disposal (a Deadline condition)."""
    return Q(kind=Deadline.Kind.FILING, state=Deadline.State.MET, met_at__lte=F("due_at"))


def filing_late_deadlines(*, now: dt.datetime) -> Q:
    """The 处置表 came after its deadline, or has not come and the deadline has passed (a Deadline condition)."""
    late = (
        Q(state=Deadline.State.MET, met_at__gt=F("due_at"))
        | Q(state=Deadline.State.MISSED)
        | Q(state=Deadline.State.OPEN, due_at__lt=now)
    )
    return Q(kind=Deadline.Kind.FILING) & late


def overdue_deadlines(*, now: dt.datetime) -> Q:
    """Deadlines still open past their due time (a Deadline condition)."""
    return Q(state=Deadline.State.OPEN, due_at__lt=now)


def escalated_deadlines(*, now: dt.datetime, escalated: bool) -> Q:
    """Overdue deadlines under 督办 (escalated to the supervising leader), or not yet (a Deadline condition)."""
    return overdue_deadlines(now=now) & Q(escalated_at__isnull=not escalated)


LEVEL_ONE_OPEN = OPEN & Q(level=Level.ONE)


def duties_outstanding(kind: str | None = None) -> Q:
    """第十条 一级: duties neither done nor cancelled by a lowering (a LevelOneDuty condition)."""
    outstanding = Q(done_at__isnull=True, cancelled_at__isnull=True)
    return outstanding & Q(kind=kind) if kind else outstanding


def with_deadlines(condition: Q) -> Q:
    """Incidents having at least one deadline that meets `condition`."""
    return Q(pk__in=Deadline.objects.filter(condition).values("incident_id"))


class PlausibleDateFilter(django_filters.DateFilter):
    field_class = PlausibleDateField


class ChineseOrderingFilter(django_filters.OrderingFilter):
    descending_fmt = "%s（倒序）"  # django-filter's own "%s (descending)" has no Chinese translation


LATE_OR_ON_TIME = [("1", "超时"), ("0", "按时")]
# The filters the dashboard's figures drill down with: folded under 更多条件 on the list until one is chosen.
FURTHER = ("stage", "first_report_late", "assessment_late", "filing_late", "escalated", "level_one_open")


class FilterForm(StyledForm):
    """The list's filter bar: small controls, ids f-status, f-level … as before (the browser tests pick them)."""

    control_size = "sm"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "f-%s")
        super().__init__(*args, **kwargs)

    @property
    def basic_fields(self) -> list:
        return [field for field in self if field.name not in FURTHER]

    @property
    def further_fields(self) -> list:
        return [field for field in self if field.name in FURTHER]

    @property
    def further_chosen(self) -> bool:
        return any(self.data.get(name) for name in FURTHER)


class IncidentFilter(django_filters.FilterSet):
    """Filters of the incident list; the queryset it narrows is already limited by the access module."""

    q = django_filters.CharFilter(
        label="搜索",
        method="search",
        validators=[validate_search],
        widget=SearchInput(attrs={"placeholder": "编号、标题、内容、网址、人名或部门，空格分隔多个词"}),
    )
    status = django_filters.ChoiceFilter(label="状态", choices=Status.choices)
    level = django_filters.ChoiceFilter(label="级别", choices=Level.choices)
    category = django_filters.ChoiceFilter(label="类别", choices=Category.choices)
    responsible_department = django_filters.ChoiceFilter(label="责任部门", choices=())  # set per request
    # Beijing calendar days as a range of times, so the list's index on reported_at serves it.
    reported_after = PlausibleDateFilter(label="上报起", method="reported_from",
                                         widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    reported_before = PlausibleDateFilter(label="上报止", method="reported_until",
                                          widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    overdue = django_filters.BooleanFilter(
        label="仅看逾期", method="only_overdue", widget=forms.CheckboxInput
    )
    stage = django_filters.ChoiceFilter(
        label="办理阶段",
        method="in_stage",
        choices=[("open", "未办结"), ("counted", "全部（不含合并的重复上报）")],
    )
    first_report_late = django_filters.ChoiceFilter(
        label="首报时效", method="by_first_report", choices=LATE_OR_ON_TIME
    )
    assessment_late = django_filters.ChoiceFilter(
        label="研判时效", method="by_assessment", choices=[("1", "超时（含逾时未研判）"), ("0", "按时")]
    )
    filing_late = django_filters.ChoiceFilter(
        label="处置表报送时效", method="by_filing", choices=[("1", "超时（含逾期未报）"), ("0", "按时")]
    )
    escalated = django_filters.ChoiceFilter(
        label="逾期时限督办", method="by_escalation", choices=[("1", "已督办"), ("0", "未督办")]
    )
    level_one_open = django_filters.ChoiceFilter(
        label="一级响应未完成事项",
        method="by_level_one_duty",
        choices=[("any", "任一事项"), *LevelOneDuty.Kind.choices],
    )
    ordering = ChineseOrderingFilter(
        label="排序",
        fields=(
            ("reported_at", "reported_at"),
            ("level", "level"),
            ("number", "number"),
            ("status", "status"),
        ),
        field_labels={"reported_at": "上报时间", "level": "级别", "number": "编号", "status": "状态"},
    )

    class Meta:
        model = Incident
        fields = []
        form = FilterForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The live departments, read once: a callable would be read again by the select and by the validation.
        choices = department_choices()
        self.filters["responsible_department"].extra["choices"] = choices
        # The bar's markup follows from the query and these choices alone, and rendering its fifteen controls
        # through Django's widget templates costs more than the list's rows: the page caches it on both.
        self.markup_key = repr(choices)

    def search(self, queryset, name, value):
        return incident_search(queryset, text=value)

    def reported_from(self, queryset, name, value):
        return queryset.filter(reported_at__gte=day_start(value))

    def reported_until(self, queryset, name, value):
        return queryset.filter(reported_at__lt=day_start(value + dt.timedelta(days=1)))

    def only_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(with_deadlines(overdue_deadlines(now=timezone.now())))

    def in_stage(self, queryset, name, value):
        return queryset.filter(OPEN if value == "open" else COUNTED)

    def by_first_report(self, queryset, name, value):
        return queryset.filter(first_report_late()) if value == "1" else queryset.exclude(first_report_late())

    def by_assessment(self, queryset, name, value):
        late = value == "1"
        return queryset.filter(assessment_late(now=timezone.now()) if late else assessment_on_time())

    def by_filing(self, queryset, name, value):
        now = timezone.now()
        wanted = filing_late_deadlines(now=now) if value == "1" else filing_on_time_deadlines()
        return queryset.filter(with_deadlines(wanted))

    def by_escalation(self, queryset, name, value):
        wanted = escalated_deadlines(now=timezone.now(), escalated=value == "1")
        return queryset.filter(with_deadlines(wanted))

    def by_level_one_duty(self, queryset, name, value):
        duties = LevelOneDuty.objects.filter(duties_outstanding(None if value == "any" else value))
        return queryset.filter(LEVEL_ONE_OPEN, pk__in=duties.values("incident_id"))
