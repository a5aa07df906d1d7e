"""Forms for the pages: they check what a person typed; the services decide what the rules allow."""

import json

from django import forms
from django.utils import timezone

from departments.models import Department
from opinion_system.forms import PlausibleDateTimeField, StyledForm

from . import rules
from .models import Category, ContactLog, DisposalTeamMember, Level, LevelOneDuty, UpwardReport
from .services.team import TeamRow


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files and self.required:
            # FileField.clean would never see the empty list: without this an upload with no file "succeeds".
            raise forms.ValidationError("请选择要上传的文件。", code="required")
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class VersionedForm(StyledForm):
    """Carries the version the page showed, so a change made meanwhile by someone else is detected."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1)
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


def departments():
    return Department.objects.filter(is_active=True).order_by("sort_order", "id")


def department_choices() -> list[tuple[int, str]]:
    """The active departments as (id, name) in one plain query (a ModelChoiceField counts them first, then
    reads them through a server-side cursor: four round trips and a model per department on every list page)."""
    return list(departments().values_list("pk", "name"))


def department_options() -> list[tuple[int | str, str]]:
    """The choices a department select shows (the queryset still validates what comes back)."""
    return [("", "---------"), *department_choices()]


class ReportForm(StyledForm):
    """上报舆情 (第七条): what was seen, where, when, with screenshots."""

    title = forms.CharField(label="标题", max_length=200, help_text="一句话概括，如“微博热帖称食堂饭菜涨价”")
    summary = forms.CharField(label="舆情内容", widget=forms.Textarea(attrs={"rows": 5}), max_length=20000)
    discovered_at = PlausibleDateTimeField(label="发现时间", widget=DateTimeInput())
    platform = forms.CharField(
        label="媒体名称/平台", max_length=100, help_text="如 微博、抖音、百度贴吧、微信公众号"
    )
    url = forms.CharField(label="网址", max_length=2000, required=False)
    platform_2 = forms.CharField(label="其他平台（可选）", max_length=100, required=False)
    url_2 = forms.CharField(label="其他平台网址", max_length=2000, required=False)
    department = forms.ModelChoiceField(label="上报部门", queryset=Department.objects.none(), required=False)
    files = MultipleFileField(
        label="截图或 PDF（可多选）",
        required=False,
        help_text="截图支持 PNG、JPEG、GIF、WebP，文档支持 PDF，单个文件不超过 10 MB。",
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments()
        if user is not None and user.department_id:
            self.fields["department"].initial = user.department_id
        self.fields["discovered_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def sources(self) -> list[tuple[str, str]]:
        data = self.cleaned_data
        return [(data["platform"], data["url"]), (data.get("platform_2", ""), data.get("url_2", ""))]


def level_rule_attrs(level_field: str) -> dict[str, str]:
    """The category select's data attributes for static/js/app.js: which level each category demands and why
    (from rules.LEVEL_DEMANDED, the rule the server enforces), and which select of the form holds the level."""
    demanded = {str(category): str(int(level)) for category, level in rules.LEVEL_DEMANDED.items()}
    notes = {
        str(
            category
        ): f"{rules.Category(category).label}舆情须直接启动{rules.Level(level).label}响应（第十条），级别已锁定。"
        for category, level in rules.LEVEL_DEMANDED.items()
    }
    return {
        "data-level-for-category": json.dumps(demanded),
        "data-level-note": json.dumps(notes, ensure_ascii=False),
        "data-level-field": level_field,
    }


class AssessForm(VersionedForm):
    category = forms.ChoiceField(
        label="舆情类别", choices=Category.choices, widget=forms.Select(attrs=level_rule_attrs("level"))
    )
    level = forms.TypedChoiceField(label="响应级别", choices=Level.choices, coerce=int)
    responsible_department = forms.ModelChoiceField(label="责任部门", queryset=Department.objects.none())
    reason = forms.CharField(label="研判意见", widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_department"].queryset = departments()
        self.fields["responsible_department"].choices = department_options()

    def clean(self):
        data = super().clean()
        if refusal := rules.level_refusal(data.get("category"), data.get("level")):
            self.add_error("level", refusal)
        return data


class LevelChangeForm(VersionedForm):
    to_level = forms.TypedChoiceField(label="调整为", choices=Level.choices, coerce=int)
    reason = forms.CharField(label="调整理由", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ReassignForm(VersionedForm):
    department = forms.ModelChoiceField(label="新的责任部门", queryset=Department.objects.none())
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments()
        self.fields["department"].choices = department_options()


class MergeForm(VersionedForm):
    into = forms.CharField(label="合并到（舆情编号）", max_length=20, help_text="如 YQ-2026-0012")
    reason = forms.CharField(label="说明", required=False)


class ProgressForm(VersionedForm):
    content = forms.CharField(label="进展情况", widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)


class StatementForm(VersionedForm):
    text = forms.CharField(label="回复通稿", widget=forms.Textarea(attrs={"rows": 8}), max_length=20000)
    statement = forms.IntegerField(widget=forms.HiddenInput, required=False)
    statement_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class StatementRowForm(VersionedForm):
    """A form shown on one statement of the incident page: its ids name the statement, so two rows never share one."""

    statement = forms.IntegerField(widget=forms.HiddenInput)
    id_prefix = ""  # review-12-comment

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        statement = str(self["statement"].value() or "")
        if statement.isascii() and statement.isdigit():
            self.auto_id = f"{self.id_prefix}-{statement}-%s"


class StatementReviewForm(StatementRowForm):
    id_prefix = "review"
    decision = forms.ChoiceField(
        choices=[("approve", "审定通过"), ("reject", "退回修改")], widget=forms.HiddenInput
    )
    comment = forms.CharField(
        label="审定意见",
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "退回时必填"}),
        required=False,
    )


class QueuedStatementReviewForm(StatementReviewForm):
    """审定 from 党政办's queue of statements: afterwards the browser goes back to the queue (`next`)."""

    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)


class PublishForm(StatementRowForm):
    id_prefix = "publish"
    where = forms.CharField(
        label="发布渠道/回应对象",
        max_length=300,
        widget=forms.TextInput(
            attrs={"placeholder": "如 微博评论区回复当事学生", "class": "form-control-sm"}
        ),
    )
    published_at = PlausibleDateTimeField(label="发布时间", widget=DateTimeInput(), required=False)


class EndDisposalForm(VersionedForm):
    summary = forms.CharField(label="处置结果简述", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class DisposalFormForm(VersionedForm):
    team_members = forms.CharField(
        label="舆情处置小组人员名单", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    disposal_situation = forms.CharField(
        label="舆情处置情况", widget=forms.Textarea(attrs={"rows": 6}), required=False
    )
    follow_up = forms.CharField(
        label="舆情后期处理情况", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    form_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class LeaderOpinionForm(VersionedForm):
    opinion = forms.CharField(label="报分管领导处置意见", widget=forms.Textarea(attrs={"rows": 3}))
    form_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class SignForm(VersionedForm):
    form_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class OpinionWaiverForm(VersionedForm):
    reason = forms.CharField(
        label="免填理由",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        help_text="如 该部门暂无分管院领导、分管院领导长期外出；理由将记入处置记录",
    )
    form_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class CommentForm(VersionedForm):
    comment = forms.CharField(label="意见", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class DutyForm(VersionedForm):
    kind = forms.ChoiceField(label="事项", choices=LevelOneDuty.Kind.choices)
    done_at = PlausibleDateTimeField(label="完成时间", widget=DateTimeInput(), required=False)
    method = forms.CharField(
        label="方式", max_length=200, required=False, help_text="如 电话、书面报告、会议"
    )
    recipient = forms.CharField(label="报告对象/参会人员", max_length=300, required=False)
    note = forms.CharField(label="备注", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class DutyWaiverForm(VersionedForm):
    """第十条 一级: the office releases a duty that cannot or need not be done, always with its reason."""

    kind = forms.ChoiceField(label="事项", choices=LevelOneDuty.Kind.choices)
    reason = forms.CharField(
        label="免除理由",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        help_text="理由将记入处置记录；免除后该事项的时限随之结束",
    )


class UpwardReportForm(VersionedForm):
    """第九条: a report (or 续报) to the superior authority, as it was made."""

    authority = forms.CharField(
        label="上级网络舆情主管部门", max_length=200, help_text="如 省委教育工委网络舆情处置办公室"
    )
    channel = forms.ChoiceField(label="报告方式", choices=UpwardReport.Channel.choices)
    reported_at = PlausibleDateTimeField(
        label="报告时间", widget=DateTimeInput(), required=False, help_text="不填则为当前时间"
    )
    reported_by_text = forms.CharField(
        label="报告人（如非本人）", max_length=200, required=False, help_text="不填则为登记人本人"
    )
    content = forms.CharField(label="报告内容", widget=forms.Textarea(attrs={"rows": 3}))


class ContactForm(VersionedForm):
    """第九条 联动应对: a contact with mainstream media or a related department."""

    counterpart = forms.CharField(label="联系对象（姓名/单位）", max_length=200)
    kind = forms.ChoiceField(label="对象类别", choices=ContactLog.Kind.choices)
    channel = forms.ChoiceField(label="联系方式", choices=ContactLog.Channel.choices)
    contacted_at = PlausibleDateTimeField(
        label="联系时间", widget=DateTimeInput(), required=False, help_text="不填则为当前时间"
    )
    content = forms.CharField(label="联系内容", widget=forms.Textarea(attrs={"rows": 3}))


class ReviewMeetingForm(VersionedForm):
    """复盘会 (第十四条): recorded by the office after the incident, before it is archived."""

    held_at = PlausibleDateTimeField(label="召开时间", widget=DateTimeInput())
    place = forms.CharField(label="地点", max_length=200, required=False)
    attendees = forms.CharField(label="参会人员", widget=forms.Textarea(attrs={"rows": 2}))
    summary = forms.CharField(label="分析与总结", widget=forms.Textarea(attrs={"rows": 4}))
    improvements = forms.CharField(label="改进措施", widget=forms.Textarea(attrs={"rows": 2}), required=False)


class EvidenceForm(VersionedForm):
    files = MultipleFileField(label="截图或 PDF")


class SourceForm(VersionedForm):
    """补充来源: another place the incident was seen (the service checks the address)."""

    platform = forms.CharField(label="媒体名称/平台", max_length=100)
    url = forms.CharField(label="网址", max_length=2000, required=False)


class ReviewWaiverForm(VersionedForm):
    """免于复盘 (第十四条): the office records why no review meeting is held."""

    reason = forms.CharField(
        label="免于复盘的理由",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
        help_text="如 个案已妥善处理、无普遍性问题；理由记入处置记录和工作档案",
    )


class TeamMemberForm(StyledForm):
    """One member of the disposal team: a user of the system, or an outsider by name."""

    control_size = "sm"
    role = forms.ChoiceField(label="职责", choices=DisposalTeamMember.Role.choices, initial="member")
    # The account name, typed: a select of every user would list the whole college on every incident page.
    account = forms.CharField(
        label="系统账号（用户名）",
        max_length=150,
        required=False,
        help_text="校内人员填写其登录用户名，入组后可查看并参与处置",
    )
    name = forms.CharField(label="姓名（校外人员）", max_length=50, required=False)
    unit = forms.CharField(label="单位/部门", max_length=100, required=False)
    phone = forms.CharField(label="联系电话", max_length=30, required=False)

    def clean(self):
        data = super().clean()
        if self.has_changed() and not data.get("DELETE") and not data.get("account") and not data.get("name"):
            raise forms.ValidationError("请填写校内人员的系统账号，或校外人员的姓名。")
        return data


TeamMemberFormSet = forms.formset_factory(
    TeamMemberForm, extra=2, can_delete=True, max_num=30, validate_max=True
)


class TeamForm(VersionedForm):
    """舆情处置小组: the members as a formset inside the action's form (one POST, one service call)."""

    template_name = "forms/team_form.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.formset = TeamMemberFormSet(
            self.data if self.is_bound else None,
            prefix="member",
            initial=self.initial.get("members") or [],
            auto_id=self.auto_id,
        )
        self.formset.renderer = self.renderer

    def clean(self):
        data = super().clean()
        if not self.formset.is_valid():
            raise forms.ValidationError("处置小组成员填写有误，请按提示修改。")
        from departments.models import User

        kept = [
            f
            for f in self.formset.forms
            if f.has_changed() and f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        accounts = {
            f.cleaned_data["account"].strip() for f in kept if f.cleaned_data.get("account", "").strip()
        }
        users = {u.username: u for u in User.objects.filter(username__in=accounts, is_active=True)}
        for f in kept:
            account = f.cleaned_data.get("account", "").strip()
            if account and account not in users:
                f.add_error("account", f"没有启用的系统账号“{account}”，校外人员请填写姓名。")
        if any(f.errors for f in kept):
            raise forms.ValidationError("处置小组成员填写有误，请按提示修改。")
        wanted = [f.cleaned_data for f in kept]
        data["rows"] = [
            TeamRow(
                role=d["role"],
                user=users.get(d["account"].strip()) if d.get("account", "").strip() else None,
                name=d.get("name", ""),
                unit=d.get("unit", ""),
                phone=d.get("phone", ""),
            )
            for d in wanted
        ]
        return data
