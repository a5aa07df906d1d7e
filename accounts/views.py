from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django_cas_ng import views as cas_views
from django_cas_ng.utils import get_cas_client

from . import cas
from .forms import LoginForm, PasswordChangeForm, checked_next


class PasswordChangeView(auth_views.PasswordChangeView):
    """修改密码, for everyone signed in; the session stays signed in (update_session_auth_hash)."""

    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("incidents:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "密码已修改，下次登录请使用新密码。")
        return response

    def get_success_url(self) -> str:
        back = self._next()
        return back or super().get_success_url()

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "next_page": self._next()}

    def _next(self) -> str:
        """The page a forced change interrupted, if it is one of ours."""
        back = self.request.POST.get("next") or self.request.GET.get("next") or ""
        safe = url_has_allowed_host_and_scheme(
            back, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        )
        return back if safe else ""


class LoginView(auth_views.LoginView):
    """登录: the local form; with 统一身份认证 on, its button above (the form for administrators, or as a fallback)."""

    authentication_form = LoginForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if cas.enabled():
            context["cas_login_url"] = cas_login_url(checked_next(self.request))
            context["local_login_open"] = settings.LOCAL_LOGIN_ENABLED
        return context


class LogoutView(auth_views.LogoutView):
    """退出 (POST): a person signed in by CAS is signed out of the CAS server too, which then sends them to 登录."""

    def post(self, request, *args, **kwargs):
        by_cas = cas.enabled() and cas.signed_in_by_cas(request)
        response = super().post(request, *args, **kwargs)
        if not (by_cas and settings.CAS_LOGOUT_COMPLETELY):
            return response
        back = cas.absolute(request, resolve_url(settings.LOGOUT_REDIRECT_URL))
        return HttpResponseRedirect(get_cas_client(request=request).get_logout_url(back))


class CASLoginView(cas_views.LoginView):
    """统一身份认证: GET sends the person to the CAS server and takes them back with a ticket; POST is the CAS
    server's back-channel single logout. 404 while CAS is off. Not a password form: CSRF-exempt by django-cas-ng
    (the CAS server posts without a token), and a ticket is single-use."""

    def get(self, request):
        if not cas.enabled():
            raise Http404("未启用统一身份认证")
        # django-cas-ng takes `next` (and, without one, the Referer) as it comes, before and after the CAS
        # server: only a page of this site goes through, checked as the local form checks it.
        query = request.GET.copy()
        query.pop("next", None)
        back = checked_next(request)
        if back:
            query["next"] = back
        request.GET = query
        # The security log keeps the address of a sign-in; the ticket is the key a back-channel logout names
        # (SessionIndex), so it is not written down with it.
        logged = query.copy()
        logged.pop("ticket", None)
        request.META["QUERY_STRING"] = logged.urlencode()
        try:
            return super().get(request)
        except PermissionDenied:
            refusal = getattr(request, "cas_refusal", None) or cas.Refusal("", cas.BAD_TICKET)
            return render(request, "registration/cas_refused.html",
                          {"refusal": refusal, "retry_url": cas_login_url(back)}, status=refusal.status)  # fmt: skip

    def post(self, request):
        if not cas.enabled():
            raise Http404("未启用统一身份认证")
        tickets = cas.session_indexes(request.POST.get("logoutRequest", ""))
        if not tickets:
            return HttpResponseBadRequest(
                "缺少有效的 logoutRequest", content_type="text/plain; charset=utf-8"
            )
        cas.end_sessions(tickets)
        return HttpResponse("ok", content_type="text/plain")


def cas_login_url(back: str) -> str:
    url = reverse("accounts:cas_login")
    return f"{url}?{urlencode({'next': back})}" if back else url
