"""The forms of the yearly evaluation and the ledger; drawn by the styled base, checked here, written by services."""

import re

from django import forms

from departments.models import Department, User
from incidents.forms import MultipleFileField
from incidents.models import Incident
from opinion_system.forms import PlausibleDateField, StyledForm

from .models import WEIGHT_LIMIT, WEIGHTED_FIGURES, EvaluationWeights, LedgerEntry

MAX_LINKED = 50  # incidents one decision names; beyond that it is a paste of the wrong list
NUMBER_SEPARATORS = re.compile(r"[\s,，、;；]+")


class YearForm(StyledForm):
    """The year a page shows (Beijing calendar)."""

    control_size = "sm"
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2099)


class LedgerFilterForm(StyledForm):
    control_size = "sm"
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2099, required=False)
    kind = forms.ChoiceField(label="类别", choices=[("", "全部"), *LedgerEntry.Kind.choices], required=False)
    department = forms.TypedChoiceField(label="部门", coerce=int, required=False, empty_value=None)

    def __init__(self, *args, departments=(), **kwargs):
        kwargs.setdefault("auto_id", "f-%s")
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "全部"), *departments]


class LedgerEntryForm(StyledForm):
    """登记 / 修改 a ledger entry: who or what, which department, the decision, by whom and when, the incidents
    it concerns, scans of the decision."""

    kind = forms.ChoiceField(label="类别", choices=LedgerEntry.Kind.choices)
    person = forms.ModelChoiceField(
        label="人员",
        queryset=User.objects.none(),
        required=False,
        help_text="系统用户；对象是信息平台或非系统用户时留空，填写下面的对象名称",
    )
    subject_name = forms.CharField(
        label="对象名称", max_length=100, required=False, help_text="如：学校网络舆情信息平台；或人员姓名"
    )
    department = forms.ModelChoiceField(label="部门", queryset=Department.objects.none())
    decision = forms.CharField(label="决定内容", max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    decided_by = forms.CharField(label="决定机关", max_length=100, help_text="如：学校党委、校长办公会")
    decided_on = PlausibleDateField(label="决定日期", widget=forms.DateInput(attrs={"type": "date"}))
    incident_numbers = forms.CharField(
        label="关联舆情编号",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="多个编号用逗号、空格或换行分隔",
    )
    files = MultipleFileField(
        label="决定文件（可多选）",
        required=False,
        help_text="PDF 或图片（PNG、JPEG、GIF、WebP），单个文件不超过 10 MB；已上传的附件保留。",
    )
    reason = forms.CharField(label="修改说明", max_length=100, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1)
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = User.objects.filter(is_active=True).order_by("username")
        self.fields["department"].queryset = Department.objects.order_by("sort_order", "id")
        if not editing:
            del self.fields["reason"]

    def clean_incident_numbers(self) -> list[Incident]:
        numbers = list(
            dict.fromkeys(n for n in NUMBER_SEPARATORS.split(self.cleaned_data["incident_numbers"]) if n)
        )
        if len(numbers) > MAX_LINKED:
            raise forms.ValidationError(f"一条记录最多关联 {MAX_LINKED} 起舆情。")
        found = {i.number: i for i in Incident.objects.filter(number__in=numbers).only("pk", "number")}
        missing = [n for n in numbers if n not in found]
        if missing:
            raise forms.ValidationError(f"未找到舆情编号：{'、'.join(missing[:10])}")
        return [found[n] for n in numbers]

    def clean(self):
        data = super().clean()
        if (
            not data.get("person")
            and not (data.get("subject_name") or "").strip()
            and "person" not in self.errors
        ):
            self.add_error("subject_name", "请选择人员，或填写对象名称（如信息平台、非系统用户的姓名）。")
        return data

    @classmethod
    def initial_for(cls, entry: LedgerEntry) -> dict:
        return {
            "kind": entry.kind,
            "person": entry.person_id,
            "subject_name": entry.subject_name,
            "department": entry.department_id,
            "decision": entry.decision,
            "decided_by": entry.decided_by,
            "decided_on": entry.decided_on,
            "incident_numbers": " ".join(i.number for i in entry.incidents.order_by("number")),
            "version": entry.version,
        }


class WeightsForm(StyledForm):
    """The year's weights: 基础分 and one weight per figure (negative to deduct)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("base", *WEIGHTED_FIGURES):
            model_field = EvaluationWeights._meta.get_field(name)
            self.fields[name] = forms.DecimalField(
                label=model_field.verbose_name,
                help_text=model_field.help_text,
                max_digits=7,
                decimal_places=2,
                min_value=-WEIGHT_LIMIT,
                max_value=WEIGHT_LIMIT,
                initial=0,
            )
        self.order_fields(["base", *WEIGHTED_FIGURES, "version"])
