"""The forms of joint meetings: they check what a person typed; meetings.services decides what the rules allow."""

import re

from django import forms
from django.db.models import F

from departments.models import Department, User
from departments.roles import Role
from departments.selectors import users_with_role
from incidents.forms import DateTimeInput, MultipleFileField
from incidents.models import Incident, Level, Status
from opinion_system.forms import PlausibleDateField, PlausibleDateTimeField, StyledForm

from .models import JointMeeting
from .services import MAX_INCIDENTS

NUMBER_SEPARATORS = re.compile(r"[\s,，、;；]+")
FILES_HELP = "PDF 或图片（PNG、JPEG、GIF、WebP），单个文件不超过 10 MB。"


def _people():
    # The college's people by department; the installation's superuser is nobody's colleague.
    return (
        User.objects.filter(is_active=True, is_superuser=False)
        .select_related("department")
        .order_by(F("department__sort_order").asc(nulls_last=True), "username")
    )


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user.display_name}（{user.department.name}）" if user.department_id else user.display_name


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user):
        return f"{user.display_name}（{user.department.name}）" if user.department_id else user.display_name


class ConveneForm(StyledForm):
    """召集会议: kind, when and where, who, the agenda and the incidents to be discussed."""

    kind = forms.ChoiceField(label="会议类型", choices=JointMeeting.Kind.choices)
    special_incident = forms.ModelChoiceField(
        label="专题会议所涉一级舆情",
        queryset=Incident.objects.none(),
        required=False,
        help_text="仅专题会议填写（第十条：一级舆情须召开专题会议）",
    )
    title = forms.CharField(label="会议名称", max_length=200, help_text="如：2026 年第 3 次网络舆情联席会议")
    held_at = PlausibleDateTimeField(label="召开时间", widget=DateTimeInput())
    place = forms.CharField(label="地点", max_length=200)
    attendees = PeopleChoiceField(
        label="参会人员",
        queryset=User.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="领导小组成员及列席部门人员（按住 Ctrl 可多选）；每人将收到会议通知",
    )
    invited_departments = forms.ModelMultipleChoiceField(
        label="列席部门", queryset=Department.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )  # fmt: skip
    outside_attendees = forms.CharField(
        label="其他参会人员",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="非系统用户，如上级部门、主流媒体联络人",
    )
    agenda = forms.CharField(label="会议议程", max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    incident_numbers = forms.CharField(
        label="研究的舆情编号",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="如 YQ-2026-0012；多个编号用逗号、空格或换行分隔",
    )
    files = MultipleFileField(label="会议材料（可多选）", required=False, help_text=FILES_HELP)
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["special_incident"].queryset = (
            Incident.objects.filter(level=Level.ONE)
            .exclude(status__in=[Status.ARCHIVED, Status.MERGED])
            .order_by("-number")
        )
        self.fields["attendees"].queryset = _people()
        self.fields["invited_departments"].queryset = Department.objects.filter(is_active=True).order_by(
            "sort_order", "id"
        )
        if not self.is_bound:
            leaders = users_with_role(Role.LEADERSHIP).filter(is_active=True).values_list("pk", flat=True)
            self.initial.setdefault("attendees", list(leaders))

    def clean_incident_numbers(self) -> list[Incident]:
        text = self.cleaned_data["incident_numbers"]
        numbers = list(dict.fromkeys(n for n in NUMBER_SEPARATORS.split(text) if n))
        if len(numbers) > MAX_INCIDENTS:
            raise forms.ValidationError(f"一次会议最多研究 {MAX_INCIDENTS} 起舆情。")
        found = {i.number: i for i in Incident.objects.filter(number__in=numbers)}
        missing = [n for n in numbers if n not in found]
        if missing:
            raise forms.ValidationError(f"未找到舆情编号：{'、'.join(missing[:10])}")
        return [found[n] for n in numbers]

    def clean(self):
        data = super().clean()
        if data.get("kind") == JointMeeting.Kind.SPECIAL and not data.get("special_incident"):
            self.add_error("special_incident", "专题会议须选择所涉的一级舆情。")
        return data


class MinutesForm(StyledForm):
    """登记会议纪要."""

    minutes = forms.CharField(label="会议纪要", max_length=50000, widget=forms.Textarea(attrs={"rows": 8}))
    files = MultipleFileField(label="纪要附件（可多选）", required=False, help_text=FILES_HELP)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1)
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class DecisionForm(StyledForm):
    """The decision on one discussed incident; left empty, the meeting decided nothing about it."""

    incident = forms.IntegerField(label="", widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    decision = forms.CharField(
        label="研判意见与决定", max_length=10000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    plan = forms.CharField(
        label="处置方案", max_length=10000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, incident: Incident | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if incident is not None:
            self.fields["decision"].label = f"{incident.number} {incident.title}：研判意见与决定"

    def clean(self):
        data = super().clean()
        if (data.get("plan") or "").strip() and not (data.get("decision") or "").strip():
            self.add_error("decision", "填写了处置方案，请同时填写研判意见与决定。")
        return data


class RiskForm(StyledForm):
    """One 隐患排查 item; a row left empty is ignored."""

    description = forms.CharField(
        label="隐患描述及排查要求", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner = PersonChoiceField(label="责任人", queryset=User.objects.none(), required=False)
    due_on = PlausibleDateField(
        label="完成期限", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people if people is not None else _people()

    def clean(self):
        data = super().clean()
        filled = [
            bool((data.get("description") or "").strip()),
            bool(data.get("owner")),
            bool(data.get("due_on")),
        ]
        if any(filled) and not all(filled):
            for name, present in zip(("description", "owner", "due_on"), filled, strict=True):
                if not present and name not in self.errors:
                    self.add_error(name, "请把这一项排查事项填写完整（描述、责任人、完成期限）。")
        return data

    @property
    def is_filled(self) -> bool:
        return bool(self.cleaned_data.get("description", "").strip())


class BaseDecisionFormSet(forms.BaseFormSet):
    """One form per incident the meeting discussed, in the meeting's order."""

    def __init__(self, *args, incidents=(), **kwargs):
        self.incidents = list(incidents)
        kwargs.setdefault("initial", [{"incident": i.pk} for i in self.incidents])
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        if index is not None and index < len(self.incidents):
            kwargs["incident"] = self.incidents[index]
        return kwargs


DecisionFormSet = forms.formset_factory(
    DecisionForm, formset=BaseDecisionFormSet, extra=0, max_num=MAX_INCIDENTS, absolute_max=MAX_INCIDENTS
)
RiskFormSet = forms.formset_factory(RiskForm, extra=3, max_num=50, absolute_max=50)


class RiskDoneForm(StyledForm):
    note = forms.CharField(label="完成情况", max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))
    back = forms.ChoiceField(
        label="",
        choices=[("", "我的排查事项"), ("meeting", "会议页面")],
        required=False,
        widget=forms.HiddenInput,
    )


class CancelForm(StyledForm):
    reason = forms.CharField(label="取消理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)
