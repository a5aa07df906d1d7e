"""The sign-in and password forms: Django's own, drawn through the project's styled form base."""

from django import forms
from django.conf import settings
from django.contrib.admin import forms as admin_forms
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.utils.http import url_has_allowed_host_and_scheme

from audit import services as audit
from opinion_system.forms import StyledForm

from . import cas

LOCAL_LOGIN_CLOSED = "本系统的账号密码登录已关闭（仅限系统管理员），请使用统一身份认证登录。"


def checked_next(request) -> str:
    """The request's `next` if it is a page of this site, else "" (an outside address is never echoed back)."""
    if request is None:
        return ""
    page = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        page, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return page if safe and len(page) <= 2000 and page.isprintable() and "\\" not in page else ""


class ReturnsTo(forms.Form):
    """A hidden `next`: the page to go back to afterwards, already checked; a bound form draws that, not what came."""

    next = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def return_to(self, page: str) -> None:
        self.fields["next"].initial = page
        if self.is_bound:
            self.data = self.data.copy()
            self.data["next"] = page


class LoginForm(StyledForm, ReturnsTo, auth_forms.AuthenticationForm):
    """登录: Django's AuthenticationForm (django-axes reads the request it keeps), with the page to return to."""

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": "用户名或密码不正确，请重新输入。",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"
        self.return_to(checked_next(request))

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        refuse_local_login_if_closed(self.request, user)


class AdminLoginForm(admin_forms.AdminAuthenticationForm):
    """The admin's own sign-in page is a local password form too: the same rule."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        refuse_local_login_if_closed(self.request, user)


def refuse_local_login_if_closed(request, user) -> None:
    """With 统一身份认证 on and LOCAL_LOGIN_ENABLED off, only a superuser signs in with a local password."""
    if cas.enabled() and not settings.LOCAL_LOGIN_ENABLED and not user.is_superuser:
        audit.record_quietly(kind=audit.Kind.LOGIN_FAILED, result=audit.Result.REFUSED,
                             username=user.get_username(), request=request,
                             detail="本地账号登录已关闭，须使用统一身份认证")  # fmt: skip
        raise ValidationError(LOCAL_LOGIN_CLOSED, code="local_login_closed")


class PasswordChangeForm(StyledForm, ReturnsTo, auth_forms.PasswordChangeForm):
    """Django's form (old password, new twice, the policy's validators); saving it is the person choosing their
    own password, so a forced change is done. `next` is the page a forced change interrupted."""

    def __init__(self, *args, next_page: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].widget.attrs.pop("autofocus", None)
        self.return_to(next_page)

    def save(self, commit=True):
        self.user.must_change_password = False
        return super().save(commit=commit)
