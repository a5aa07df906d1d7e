"""The forms of 舆情通报; drawn by the styled base, checked here, written by bulletins.services."""

import datetime as dt

from django import forms
from django.utils import timezone

from departments.models import Department
from incidents.models import Incident
from opinion_system.forms import BootstrapBoundField, PlausibleDateField, StyledForm

from . import selectors
from .models import Bulletin


def default_period() -> tuple[dt.date, dt.date]:
    """The last 30 days (Beijing calendar), today included."""
    today = timezone.localdate()
    return today - dt.timedelta(days=29), today


class ChoiceOfRows(forms.ModelMultipleChoiceField):
    """Rows chosen by id, where an id past the database's integers is an invalid choice, not an overflow (Django
    checks the range for `exact` but not for the `__in` that gathers the chosen rows)."""

    def _check_values(self, value):
        for pk in value if isinstance(value, list | tuple) else [value]:
            text = str(pk)
            if not (text.isascii() and text.isdigit()) or int(text) >= 2**63:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": text[:20]}
                )
        return super()._check_values(value)


class FilterForm(StyledForm):
    control_size = "sm"
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2099, required=False)
    status = forms.ChoiceField(label="状态", choices=[("", "全部"), *Bulletin.Status.choices], required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "f-%s")
        super().__init__(*args, **kwargs)


class PeriodForm(StyledForm):
    """统计期间: the draft form's figures and incidents are those of this period."""

    control_size = "sm"
    period_start = PlausibleDateField(
        label="统计期间起", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    period_end = PlausibleDateField(
        label="统计期间止", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "p-%s")
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        first, last = data.get("period_start"), data.get("period_end")
        if first and last and first > last:
            raise forms.ValidationError("统计期间的起始日期不能晚于截止日期。")
        return data


class _BoundField(BootstrapBoundField):
    """Lists of checkboxes stay the browser's own (Bootstrap's form-check-input floats each box off its label)."""

    def build_widget_attrs(self, attrs, widget=None):
        if isinstance(widget or self.field.widget, forms.CheckboxSelectMultiple):
            return forms.BoundField.build_widget_attrs(self, attrs, widget)
        return super().build_widget_attrs(attrs, widget)


class BulletinForm(StyledForm):
    bound_field_class = _BoundField
    title = forms.CharField(label="标题", max_length=200)
    body = forms.CharField(
        label="正文",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="每行为一个自然段",
    )
    period_start = PlausibleDateField(
        label="统计期间起", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    period_end = PlausibleDateField(
        label="统计期间止", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    incidents = ChoiceOfRows(
        label="关联舆情",
        queryset=Incident.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=f"统计期间内上报的舆情（最近 {selectors.INCIDENTS_OFFERED} 条）；印发后各部门只看到编号和标题",
    )
    recipients = ChoiceOfRows(
        label="印发部门",
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个印发部门。"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1)

    def __init__(self, *args, period: tuple[dt.date, dt.date], chosen=(), **kwargs):
        super().__init__(*args, **kwargs)
        first, last = period
        offered = selectors.incidents_of_period(first=first, last=last).values_list("pk", flat=True)
        ids = [*offered[: selectors.INCIDENTS_OFFERED], *chosen]
        self.fields["incidents"].queryset = Incident.objects.filter(pk__in=ids).order_by(
            "-reported_at", "-id"
        )
        self.fields["incidents"].label_from_instance = lambda i: f"{i.number} {i.title}"
        self.fields["recipients"].queryset = selectors.active_departments()

    def clean(self):
        data = super().clean()
        first, last = data.get("period_start"), data.get("period_end")
        if first and last and first > last:
            self.add_error("period_end", "统计期间的截止日期不能早于起始日期。")
        return data


class ReturnForm(StyledForm):
    comment = forms.CharField(label="退回意见", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class TemplateForm(StyledForm):
    file = forms.FileField(label="Word 模板（.docx）", help_text="须能用 docxtpl 打开并填充，不超过 5 MB")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".docx"):
            raise forms.ValidationError("请上传 .docx 格式的 Word 文档。")
        return upload
