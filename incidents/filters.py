"""The incident list's filter bar (django-filter): what a person narrows the list by; the queryset it narrows is
already limited by incidents.access."""

import django_filters
from django import forms
from django.utils import timezone

from opinion_system.forms import PlausibleDateField, SearchInput, StyledForm

from .forms import department_choices
from .models import Category, Deadline, Incident, Level, Status
from .search import incident_search_ids


class PlausibleDateFilter(django_filters.DateFilter):
    field_class = PlausibleDateField


class ChineseOrderingFilter(django_filters.OrderingFilter):
    descending_fmt = "%s（倒序）"  # django-filter's own "%s (descending)" has no Chinese translation


class FilterForm(StyledForm):
    """The list's filter bar: small controls, ids f-status, f-level … as before (the browser tests pick them)."""

    control_size = "sm"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "f-%s")
        super().__init__(*args, **kwargs)


class IncidentFilter(django_filters.FilterSet):
    """Filters of the incident list; the queryset it narrows is already limited by the access module."""

    q = django_filters.CharFilter(
        label="搜索", method="search", widget=SearchInput(attrs={"placeholder": "编号、标题、内容或网址"})
    )
    status = django_filters.ChoiceFilter(label="状态", choices=Status.choices)
    level = django_filters.ChoiceFilter(label="级别", choices=Level.choices)
    category = django_filters.ChoiceFilter(label="类别", choices=Category.choices)
    responsible_department = django_filters.ChoiceFilter(label="责任部门", choices=())  # set per request
    reported_after = PlausibleDateFilter(label="上报起", field_name="reported_at", lookup_expr="date__gte",
                                         widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    reported_before = PlausibleDateFilter(label="上报止", field_name="reported_at", lookup_expr="date__lte",
                                          widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    overdue = django_filters.BooleanFilter(
        label="仅看逾期", method="only_overdue", widget=forms.CheckboxInput
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
        self.filters["responsible_department"].extra["choices"] = department_choices()

    def search(self, queryset, name, value):
        return queryset.filter(pk__in=incident_search_ids(terms=value)) if value.strip() else queryset

    def only_overdue(self, queryset, name, value):
        if not value:
            return queryset
        overdue = Deadline.objects.filter(state=Deadline.State.OPEN, due_at__lt=timezone.now()).values(
            "incident_id"
        )
        return queryset.filter(pk__in=overdue)
