"""Sign-ins, sign-outs, failed sign-ins and lockouts, as Django and django-axes announce them."""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .services import Kind, Result, record_quietly


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    record_quietly(kind=Kind.LOGIN, user=user, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record_quietly(kind=Kind.LOGOUT, user=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # Django masks the password in `credentials`; only the name typed is kept.
    username = str(credentials.get("username", ""))
    record_quietly(kind=Kind.LOGIN_FAILED, result=Result.FAILURE, username=username, request=request)


@receiver(user_locked_out, dispatch_uid="audit_lockout")
def _locked_out(sender, request, username, ip_address, **kwargs):
    record_quietly(kind=Kind.LOCKOUT, result=Result.REFUSED, username=str(username or ""), request=request,
                   detail="连续登录失败，账号在此地址被暂时锁定")  # fmt: skip
