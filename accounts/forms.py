from django.contrib.auth import forms as auth_forms


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form (old password, new twice, the policy's validators), styled for Bootstrap; saving it is
    the person choosing their own password, so a forced change is done."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-control"
            field.template_name = "accounts/_field.html"  # Django's field group with Bootstrap's classes
        self.fields["old_password"].widget.attrs.pop("autofocus", None)

    def save(self, commit=True):
        self.user.must_change_password = False
        return super().save(commit=commit)
