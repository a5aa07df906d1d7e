"""The dashboard's period selector: this year, a calendar year, a month, or a range of Beijing calendar days."""

import calendar
import datetime as dt
from dataclasses import dataclass

from django import forms
from django.utils import timezone

from opinion_system.forms import EARLIEST, LATEST, PlausibleDateField, StyledForm

YEARS = f"年份应在 {EARLIEST.year} 年至 {LATEST.year} 年之间。"


@dataclass(frozen=True)
class Period:
    """Beijing calendar days from `first` to `last`, both included."""

    first: dt.date
    last: dt.date
    label: str

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every month the period touches, in order."""
        months, year, month = [], self.first.year, self.first.month
        while (year, month) <= (self.last.year, self.last.month):
            months.append((year, month))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return months


def this_year() -> Period:
    year = timezone.localdate().year  # the Beijing year: on 31 December 17:00 UTC it is already next year
    return year_period(year)


def year_period(year: int) -> Period:
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year} 年")


def month_period(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(dt.date(year, month, 1), dt.date(year, month, last), f"{year} 年 {month} 月")


def range_period(first: dt.date, last: dt.date) -> Period:
    return Period(first, last, f"{first:%Y-%m-%d} 至 {last:%Y-%m-%d}")


def guessed_kind(data) -> str:
    filled = {name for name in ("year", "month", "first", "last") if data.get(name)}
    if filled & {"first", "last"}:
        return "range"
    if "month" in filled:
        return "month"
    return "year" if "year" in filled else "this_year"


class PeriodForm(StyledForm):
    """统计期间. Without a kind, the fields filled in say which (a link with only ?year=2025 means that year)."""

    KINDS = [("this_year", "今年"), ("year", "某一年"), ("month", "某一月"), ("range", "自定义日期")]

    kind = forms.ChoiceField(
        label="统计期间",
        choices=KINDS,
        required=False,
        error_messages={"invalid_choice": "请选择今年、某一年、某一月或自定义日期。"},
    )
    year = forms.IntegerField(
        label="年份",
        required=False,
        min_value=EARLIEST.year,
        max_value=LATEST.year,
        error_messages={"invalid": "年份请填写四位数字，如 2026。", "min_value": YEARS, "max_value": YEARS},
    )
    month = forms.TypedChoiceField(
        label="月份",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "——"), *((m, f"{m} 月") for m in range(1, 13))],
        error_messages={"invalid_choice": "月份应为 1 月至 12 月。"},
    )
    first = PlausibleDateField(
        label="起始日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "起始日期格式应为 2026-01-31。"},
    )
    last = PlausibleDateField(
        label="截止日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "截止日期格式应为 2026-01-31。"},
    )

    def __init__(self, data=None, **kwargs):
        if data is not None and not data.get("kind"):
            data = data.copy()
            data["kind"] = guessed_kind(data)  # shown chosen in the select, as if it had been picked
        super().__init__(data, **kwargs)

    def clean(self):
        data = super().clean()
        kind = data.get("kind") or "this_year"
        data["kind"] = kind
        if kind in ("year", "month") and data.get("year") is None and "year" not in self.errors:
            self.add_error("year", "请填写年份。")
        if kind == "month" and data.get("month") is None and "month" not in self.errors:
            self.add_error("month", "请选择月份。")
        if kind == "range":
            for name, label in (("first", "起始日期"), ("last", "截止日期")):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, f"请填写{label}。")
            first, last = data.get("first"), data.get("last")
            if first and last and last < first:
                self.add_error("last", "截止日期不能早于起始日期。")
        return data

    def period(self) -> Period:
        """The period chosen, or this year when nothing (or something wrong) was chosen."""
        if not self.is_bound or not self.is_valid():
            return this_year()
        data = self.cleaned_data
        if data["kind"] == "year":
            return year_period(data["year"])
        if data["kind"] == "month":
            return month_period(data["year"], data["month"])
        if data["kind"] == "range":
            return range_period(data["first"], data["last"])
        return this_year()
