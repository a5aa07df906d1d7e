from django import forms
from django.utils import timezone

from incidents.forms import ReportForm
from opinion_system.forms import StyledForm

from .models import Lead


class InboxFilterForm(StyledForm):
    control_size = "sm"
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部"), *Lead.Status.choices], required=False, initial=Lead.Status.NEW
    )
    q = forms.CharField(label="标题、平台或来源系统", max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "f-%s")
        super().__init__(*args, **kwargs)


class PromoteForm(ReportForm):
    """转为舆情: the report form, filled from the lead; the office may correct anything before filing."""

    def __init__(self, *args, lead: Lead, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = (
            "线索自带的截图会自动作为证据材料保存，这里可再补充。" + self.fields["files"].help_text
        )
        if not self.is_bound:
            self.initial.update(
                title=lead.title,
                summary=lead.text or lead.title,
                discovered_at=timezone.localtime(lead.captured_at).replace(second=0, microsecond=0),
                platform=lead.platform,
                url=lead.url,
            )


class MergeForm(StyledForm):
    number = forms.CharField(
        label="并入的舆情编号", max_length=20, help_text="如 YQ-2026-0012；线索的网址和截图将补充到该舆情"
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class DismissForm(StyledForm):
    reason = forms.CharField(
        label="排除理由",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="如：广告信息、与本校无关、已在其他舆情中处置",
    )
    token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
