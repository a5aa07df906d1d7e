"""The forms of 重点监测; drawn by the styled base, checked here, written by monitoring.services."""

from django import forms

from departments.models import User
from opinion_system.forms import PlausibleDateField, StyledForm

from .models import LEAD_LIMIT_MINUTES, KeyMonitoringPeriod

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class YearForm(StyledForm):
    control_size = "sm"
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2099)


class PeriodForm(StyledForm):
    name = forms.CharField(label="名称", max_length=100)
    kind = forms.ChoiceField(label="类别", choices=KeyMonitoringPeriod.Kind.choices)
    start_date = PlausibleDateField(label="开始日期", widget=DATE)
    end_date = PlausibleDateField(label="结束日期", widget=DATE, help_text="含当天（北京时间）")
    reminder_lead_minutes = forms.IntegerField(
        label="时限提醒提前（分钟）",
        min_value=1,
        max_value=LEAD_LIMIT_MINUTES,
        required=False,
        help_text="时段内到期的处置时限提前多少分钟提醒；比平时更早时生效，留空按平时",
    )
    nil_report_required = forms.BooleanField(label="要求各部门每日零报告", required=False, initial=True)
    note = forms.CharField(
        label="备注", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "结束日期不能早于开始日期。")
        return data


class SeedForm(StyledForm):
    control_size = "sm"
    year = forms.IntegerField(label="导入年度", min_value=2000, max_value=2099)


class DutyRowForm(StyledForm):
    """One day of the roster: who is on duty and their phone (both empty: nobody that day)."""

    # Choices read once for the whole roster (a ModelChoiceField would query the users once per day).
    person = forms.TypedChoiceField(label="值班人员", coerce=int, required=False, empty_value=None)
    phone = forms.CharField(
        label="值班电话", max_length=30, required=False, help_text="留空时用本人登记的电话"
    )

    def __init__(self, *args, day, people: list[tuple[int, str]], **kwargs):
        kwargs.setdefault("prefix", f"d{day:%Y%m%d}")
        super().__init__(*args, **kwargs)
        self.day = day
        self.fields["person"].choices = [("", "（无人值班）"), *people]
        self.fields["person"].label = f"{day:%m月%d日} 值班人员"
        self.fields["phone"].label = f"{day:%m月%d日} 值班电话"


def people_choices() -> list[tuple[int, str]]:
    """Active people, by name, for the roster (one query)."""
    return [
        (u.pk, f"{u.display_name}（{u.username}）")
        for u in User.objects.filter(is_active=True).order_by("username")
    ]


class NilReportForm(StyledForm):
    department = forms.IntegerField(label="", widget=forms.HiddenInput)
    note = forms.CharField(
        label="补充说明（可选）", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
