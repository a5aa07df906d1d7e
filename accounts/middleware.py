"""Session limits and the forced password change, checked before every view.

A session ends SESSION_IDLE_MINUTES after the last activity and SESSION_MAX_HOURS after sign-in, whatever the
cookie says (a session write sends the cookie again with a fresh age). A person whose password has expired or
was set by an administrator reaches only the change page until they have changed it — unless they signed in by
统一身份认证 or LDAP (accounts.cas): the expiry is about the local password, which that sign-in did not use.
"""

import datetime as dt
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

from . import cas

SIGNED_IN_AT = "accounts_signed_in_at"  # epoch seconds
LAST_SEEN_AT = "accounts_last_seen_at"  # epoch seconds, written at most every SEEN_RESOLUTION seconds
# The last-seen time is written at most once a minute: a session write on every page would cost an UPDATE each.
SEEN_RESOLUTION = 60

IDLE_MESSAGE = "长时间未操作，已自动退出，请重新登录"
# Requests a page makes by itself (hx-trigger="every 1s" while a dossier or an export is drawn): a page left
# open is not a person at work, so they never count as activity. tests/accounts keeps this list complete.
PASSIVE_VIEWS = frozenset({"reports:dossier_card", "reports:export_row"})
# What a person who must change their password may still open.
ALLOWED_WHILE_FORCED = frozenset({"accounts:password_change", "logout", "incidents:health"})


def _now() -> int:
    return int(timezone.now().timestamp())


def stamp_sign_in(sender, request, user, **kwargs) -> None:
    """user_logged_in receiver: the session's clocks start now."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = request.session[LAST_SEEN_AT] = _now()


def session_end_message(signed_in_at: int, last_seen_at: int, now: int) -> str | None:
    """Why the session has ended, or None while it is still good."""
    max_hours = settings.SESSION_MAX_HOURS
    if max_hours > 0 and now - signed_in_at >= max_hours * 3600:
        return f"登录已超过 {max_hours} 小时，已自动退出，请重新登录"
    idle_minutes = settings.SESSION_IDLE_MINUTES
    if idle_minutes > 0 and now - last_seen_at >= idle_minutes * 60:
        return IDLE_MESSAGE
    return None


def password_change_reason(user) -> str | None:
    """Why the user must change their password before anything else, or None."""
    if getattr(user, "must_change_password", False):
        return "您的密码由管理员设置，请先修改为只有您知道的密码。"
    max_days = settings.PASSWORD_MAX_AGE_DAYS
    if max_days > 0 and user.has_usable_password():
        # No recorded change (an account older than the policy): the password is as old as the account.
        changed_at = user.password_changed_at or user.date_joined
        if timezone.now() - changed_at >= dt.timedelta(days=max_days):
            return f"您的密码已超过 {max_days} 天未修改，请先修改密码。"
    return None


class AccountPolicyMiddleware:
    """After AuthenticationMiddleware and MessageMiddleware; reads only the session and request.user, which
    the view loads anyway, so an ordinary page costs no query (a session write at most once a minute)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated:
            return None
        session, now = request.session, _now()
        signed_in_at = session.get(SIGNED_IN_AT)
        last_seen_at = session.get(LAST_SEEN_AT)
        if signed_in_at is None or last_seen_at is None:  # a session from before these limits
            session[SIGNED_IN_AT] = signed_in_at = signed_in_at or now
            session[LAST_SEEN_AT] = last_seen_at = now
        ended = session_end_message(signed_in_at, last_seen_at, now)
        if ended:
            return self._signed_out(request, ended)
        view_name = request.resolver_match.view_name if request.resolver_match else ""
        passive = request.method == "GET" and _is_htmx(request) and view_name in PASSIVE_VIEWS
        if not passive and now - last_seen_at >= SEEN_RESOLUTION:
            session[LAST_SEEN_AT] = now
        if view_name not in ALLOWED_WHILE_FORCED and not cas.signed_in_externally(request):
            reason = password_change_reason(user)
            if reason:
                messages.warning(request, reason)
                return _redirect(request, reverse("accounts:password_change"), _return_to(request))
        return None

    @staticmethod
    def _signed_out(request: HttpRequest, message: str) -> HttpResponse:
        back = _return_to(request)
        logout(request)
        messages.warning(request, message)
        # The local page, which says why (and, with CAS on, offers its button): LOGIN_URL would be the CAS server,
        # whose own sign-in is likely still valid and would sign the person straight back in without a word.
        return _redirect(request, reverse("login"), back)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _redirect(request: HttpRequest, url: str, back: str | None) -> HttpResponse:
    if back:
        url = f"{url}?{urlencode({'next': back})}"
    # htmx would put a full page inside the table cell it asked for: it is told to load the page instead.
    return HttpResponseClientRedirect(url) if _is_htmx(request) else HttpResponseRedirect(url)


def _return_to(request: HttpRequest) -> str | None:
    """The page the person was on: the address itself for a page, the page behind an htmx request or a post."""
    if request.method == "GET" and not _is_htmx(request):
        return request.get_full_path()
    page = request.headers.get("HX-Current-URL") or request.headers.get("Referer") or ""
    if not url_has_allowed_host_and_scheme(page, allowed_hosts={request.get_host()}):
        return None
    parts = urlsplit(page)
    return parts.path + (f"?{parts.query}" if parts.query else "") or None
