"""The bell page's one form: mark a notice (or, without an id, all of them) read, then go back."""

from django import forms
from django.core.validators import RegexValidator

from opinion_system.forms import StyledForm


class NoticeReadForm(StyledForm):
    # ASCII digits only: int() would also take "１" or "²", which no page ever sends.
    id = forms.CharField(
        widget=forms.HiddenInput, required=False, validators=[RegexValidator(r"\A[0-9]{1,18}\Z")]
    )
    # Read back through opinion_system.redirects.safe_next: only a page of this site.
    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def clean_id(self) -> int | None:
        value = self.cleaned_data["id"]
        return int(value) if value else None
