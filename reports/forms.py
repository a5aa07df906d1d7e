"""Forms of the archive pages."""

import datetime as dt

from django import forms

from incidents.models import Category, Level
from opinion_system import clock
from opinion_system.forms import PlausibleDateField, SearchInput, StyledForm

from .services import MAX_EXPORT_DAYS


class ExportForm(StyledForm):
    """A period of archive dates (Beijing calendar days, both ends included)."""

    start = PlausibleDateField(
        label="归档日期自",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "请选择起始日期。",
            "invalid": "起始日期格式不正确，请按 年-月-日 填写。",
        },
    )
    end = PlausibleDateField(
        label="至",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "请选择截止日期。",
            "invalid": "截止日期格式不正确，请按 年-月-日 填写。",
        },
    )

    @classmethod
    def default(cls) -> "ExportForm":
        today = clock.start_of_local_day(clock.now()).date()
        return cls(initial={"start": dt.date(today.year, 1, 1), "end": today})

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError("起始日期不能晚于截止日期。")
            if (end - start).days > MAX_EXPORT_DAYS:
                raise forms.ValidationError("导出期间不能超过 5 年，请分段导出。")
        return data


class UpwardBriefForm(StyledForm):
    """专报 (第九条): the office edits the draft drawn from the incident, then downloads it to send."""

    FORMATS = (("docx", "Word（.docx）"), ("pdf", "PDF"))

    title = forms.CharField(label="标题", max_length=200)
    text = forms.CharField(
        label="正文",
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 24}),
        help_text="每行一段；可自由修改",
    )
    format = forms.ChoiceField(label="下载格式", choices=FORMATS, initial="docx", widget=forms.RadioSelect)


class CaseSearchForm(StyledForm):
    """案例库's search bar: words in the title or the review's conclusions, category, level."""

    control_size = "sm"
    q = forms.CharField(
        label="关键词",
        required=False,
        max_length=100,
        widget=SearchInput(attrs={"placeholder": "标题或复盘结论"}),
    )
    category = forms.ChoiceField(label="舆情类别", required=False, choices=[("", "全部"), *Category.choices])
    level = forms.TypedChoiceField(
        label="响应级别", required=False, coerce=int, empty_value=None, choices=[("", "全部"), *Level.choices]
    )
