"""Form fields the apps share."""

import datetime as dt

from django import forms
from django.utils import timezone

# Dates people may type: a disposal or a report happens in this century. A year-1 time, turned into UTC,
# falls before year 1: PostgreSQL stores it and then cannot read it back, and every page of the incident fails.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 31)
OUT_OF_RANGE = "{label}应在 2000 年至 2099 年之间，请检查年份。"


def _check(field: forms.Field, day: dt.date | None) -> None:
    if day is not None and not EARLIEST <= day <= LATEST:
        raise forms.ValidationError(OUT_OF_RANGE.format(label=field.label or "日期"), code="out_of_range")


class PlausibleDateTimeField(forms.DateTimeField):
    """A date and time between 2000 and 2099 (Beijing calendar)."""

    def validate(self, value):
        super().validate(value)
        _check(self, value and timezone.localtime(value).date())


class PlausibleDateField(forms.DateField):
    """A calendar day between 2000 and 2099."""

    def validate(self, value):
        super().validate(value)
        _check(self, value)
