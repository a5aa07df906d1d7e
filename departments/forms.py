"""Forms of the office's registers: liaisons (第五条 备案) and official media accounts (第十三条)."""

from django import forms

from opinion_system.forms import StyledForm

from .models import Department, Liaison, OfficialMediaAccount, User


class LiaisonRegisterForm(StyledForm):
    department = forms.ModelChoiceField(label="部门", queryset=Department.objects.filter(is_active=True))
    user = forms.ModelChoiceField(
        label="联络员", queryset=User.objects.filter(is_active=True).order_by("username")
    )
    phone = forms.CharField(label="联系电话", max_length=30, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].label_from_instance = lambda u: (
            f"{u.display_name}（{u.username}，{u.department or '未关联部门'}）"
        )


class LiaisonDeactivateForm(StyledForm):
    """停用, on a row of the register."""

    control_size = "sm"
    reason = forms.CharField(label="停用理由", max_length=200)


class MediaAccountForm(StyledForm, forms.ModelForm):
    url = forms.URLField(label="网址", max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = OfficialMediaAccount
        fields = ["platform", "name", "url", "department", "editor", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["editor"].queryset = Liaison.objects.filter(
            status=Liaison.Status.REGISTERED
        ).select_related("user", "department")
        self.fields["editor"].label_from_instance = lambda li: (
            f"{li.department.name} · {li.user.display_name}"
        )
