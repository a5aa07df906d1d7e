"""Sign-ins, sign-outs, failed sign-ins and lockouts, as Django, django-axes and django-cas-ng announce them.

A 统一身份认证 (CAS) sign-in goes through Django's login() like a local one; its refusals carry no username in
the credentials (only a ticket), so the name and the reason come from the request, where accounts.cas left them.
"""

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django_cas_ng.signals import cas_user_logout

from .services import Kind, Result, record_quietly


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    by_cas = getattr(user, "backend", "") == "accounts.cas.CASBackend"
    record_quietly(kind=Kind.LOGIN, user=user, request=request, detail="统一身份认证" if by_cas else "")


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record_quietly(kind=Kind.LOGOUT, user=user, request=request)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # Django masks the password in `credentials`; only the name typed is kept (never a CAS ticket).
    refusal = getattr(request, "cas_refusal", None)
    if refusal is not None:
        record_quietly(kind=Kind.LOGIN_FAILED, result=Result.REFUSED, username=refusal.username, request=request,
                       detail=f"统一身份认证：{refusal.message}")  # fmt: skip
        return
    username = str(credentials.get("username", ""))
    record_quietly(kind=Kind.LOGIN_FAILED, result=Result.FAILURE, username=username, request=request)


@receiver(user_locked_out, dispatch_uid="audit_lockout")
def _locked_out(sender, request, username, ip_address, **kwargs):
    record_quietly(kind=Kind.LOCKOUT, result=Result.REFUSED, username=str(username or ""), request=request,
                   detail="连续登录失败，账号在此地址被暂时锁定")  # fmt: skip


@receiver(cas_user_logout, dispatch_uid="audit_cas_single_logout")
def _cas_single_logout(sender, user, session, ticket, **kwargs):
    # The CAS server's back-channel logout ends a session without a request of that person's: the record says whose.
    if sender == "slo" and user is not None and user.is_authenticated:
        record_quietly(kind=Kind.LOGOUT, user=user, detail="统一身份认证单点退出")
