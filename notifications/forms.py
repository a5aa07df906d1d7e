"""The bell page's forms: which notices it shows, and marking one (or all that it shows) read."""

from django import forms
from django.core.validators import RegexValidator

from opinion_system.forms import StyledForm

from .kinds import KIND_GROUPS
from .selectors import NoticeFilter

# ASCII digits only: int() would also take "１" or "²", which no page ever sends.
DIGITS = RegexValidator(r"\A[0-9]{1,18}\Z", "编号无效。")

UNREAD, ALL = "unread", "all"
STATES = [(UNREAD, "未读"), (ALL, "全部")]


def _number(value: str) -> int | None:
    return int(value) if value else None


class NoticeFilterForm(StyledForm):
    """未读 (the default) / 全部, one kind, one incident's group; a value no page sends falls back to the default."""

    state = forms.ChoiceField(label="状态", choices=STATES, required=False, widget=forms.HiddenInput)
    # lh-lg: at least 44 px high, a finger's width on a phone.
    kind = forms.ChoiceField(
        label="类型",
        choices=[("", "全部类型"), *KIND_GROUPS],
        required=False,
        widget=forms.Select(attrs={"class": "lh-lg"}),
    )
    group = forms.CharField(widget=forms.HiddenInput, required=False, validators=[DIGITS])

    def clean_group(self) -> int | None:
        return _number(self.cleaned_data["group"])

    def where(self) -> NoticeFilter:
        data = self.cleaned_data if self.is_valid() else {}
        return NoticeFilter(
            unread_only=data.get("state") != ALL,  # the bell opens on what is new
            kind=data.get("kind", ""),
            group=data.get("group"),
        )


class NoticeReadForm(StyledForm):
    """One notice (id), or every unread one of the kind and group shown that was there when the page was drawn."""

    id = forms.CharField(widget=forms.HiddenInput, required=False, validators=[DIGITS])
    kind = forms.ChoiceField(choices=[("", ""), *KIND_GROUPS], required=False, widget=forms.HiddenInput)
    group = forms.CharField(widget=forms.HiddenInput, required=False, validators=[DIGITS])
    upto = forms.DateTimeField(widget=forms.HiddenInput, required=False)
    # Read back through opinion_system.redirects.safe_next: only a page of this site.
    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def clean_id(self) -> int | None:
        return _number(self.cleaned_data["id"])

    def clean_group(self) -> int | None:
        return _number(self.cleaned_data["group"])

    def where(self) -> NoticeFilter:
        return NoticeFilter(kind=self.cleaned_data["kind"], group=self.cleaned_data["group"])
