"""Reads of the security log."""

import django_filters
from django import forms

from opinion_system.forms import StyledForm

from .models import SecurityEvent


class EventFilterForm(StyledForm):
    """The filter bar's form: Django draws it with the project's field template, in the smaller controls."""

    control_size = "sm"


class EventFilter(django_filters.FilterSet):
    """The auditor's filters: kind, result, person, address, a period (Beijing calendar days)."""

    kind = django_filters.ChoiceFilter(
        label="事件", choices=SecurityEvent.Kind.choices, empty_label="全部事件"
    )
    result = django_filters.ChoiceFilter(
        label="结果", choices=SecurityEvent.Result.choices, empty_label="全部结果"
    )
    username = django_filters.CharFilter(label="用户名", lookup_expr="icontains", max_length=150)
    ip = django_filters.CharFilter(label="地址", lookup_expr="startswith", max_length=45)
    start = django_filters.DateFilter(
        label="起始日期",
        field_name="at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = django_filters.DateFilter(
        label="截止日期",
        field_name="at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = SecurityEvent
        fields = ["kind", "result", "username", "ip", "start", "end"]
        form = EventFilterForm

    def filter_queryset(self, queryset):
        # A NUL byte cannot be sent to PostgreSQL in a string: it matches nothing, as it would in the data.
        for name in ("username", "ip"):
            value = self.form.cleaned_data.get(name)
            if value and "\x00" in value:
                return queryset.none()
        return super().filter_queryset(queryset)


def events(params) -> EventFilter:
    return EventFilter(params, queryset=SecurityEvent.objects.order_by("-seq"))


def last_verification() -> SecurityEvent | None:
    return SecurityEvent.objects.filter(kind=SecurityEvent.Kind.VERIFY).order_by("-seq").first()
