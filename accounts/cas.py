"""统一身份认证 (CAS 3, django-cas-ng): a campus sign-in is matched to an account that already exists here, or refused.

Accounts and roles are the office's and the security administrator's to give: a CAS sign-in never creates an
account and never changes one. django-cas-ng's own backend would, under some settings (CAS_CREATE_USER, its
affiliation mappings, CAS_APPLY_ATTRIBUTES_TO_USER), so this backend verifies the ticket itself and only reads.
"""

import dataclasses
import logging
from importlib import import_module
from urllib.parse import urljoin
from xml.etree import ElementTree

import requests
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.http import HttpRequest
from django_cas_ng.backends import CASBackend as BaseCASBackend
from django_cas_ng.models import SessionTicket
from django_cas_ng.signals import cas_user_authenticated, cas_user_logout
from django_cas_ng.utils import get_cas_client, get_user_from_session
from lxml import etree

log = logging.getLogger(__name__)

BACKEND = "accounts.cas.CASBackend"
# Sign-ins whose password is not ours (README: LDAP): the local password policy has nothing to say about them.
EXTERNAL_BACKENDS = frozenset({BACKEND, "django_auth_ldap.backend.LDAPBackend"})
# python-cas asks the CAS server with no timeout at all: a server that never answers would hold the worker.
VERIFY_TIMEOUT_SECONDS = 10
SAML_PROTOCOL = "{urn:oasis:names:tc:SAML:2.0:protocol}"

BAD_TICKET = "统一身份认证票据无效或已过期（例如刷新了登录后的页面），请重新登录。"
UNREACHABLE = (
    "暂时无法完成统一身份认证（认证服务无应答或应答异常），请稍后再试；如急需处理，请联系系统管理员。"
)


def unknown_account(username: str) -> str:
    return f"统一身份认证账号 {username} 尚未开通本系统权限，请联系党群工作部或安全管理员开通。"


def inactive_account(username: str) -> str:
    return f"统一身份认证账号 {username} 在本系统的账号已停用，请联系党群工作部或安全管理员。"


@dataclasses.dataclass(frozen=True)
class Refusal:
    """Why a CAS sign-in was refused: shown to the person (accounts.views) and kept in the security log."""

    username: str
    message: str
    status: int = 403


def enabled() -> bool:
    """CAS is on: read when asked, so a changed setting (a test's) takes effect at once."""
    return bool(settings.CAS_SERVER_URL)


def signed_in_by_cas(request: HttpRequest) -> bool:
    return _session_backend(request) == BACKEND


def signed_in_externally(request: HttpRequest) -> bool:
    """Signed in by CAS or LDAP: no local password was used."""
    return _session_backend(request) in EXTERNAL_BACKENDS


def _session_backend(request: HttpRequest) -> str | None:
    session = getattr(request, "session", None)
    return session.get(BACKEND_SESSION_KEY) if session is not None else None


def absolute(request: HttpRequest, path: str) -> str:
    """Our address as the CAS server must see it: the public SITE_URL when set, else the request's own host."""
    root = settings.CAS_ROOT_PROXIED_AS
    return urljoin(root, path) if root else request.build_absolute_uri(path)


class _TimedSession(requests.Session):
    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", VERIFY_TIMEOUT_SECONDS)
        return super().request(*args, **kwargs)


class CASBackend(BaseCASBackend):
    """The ticket's 工号 is the username of an existing, active account; anything else is refused with a reason."""

    def authenticate(self, request, ticket=None, service=None, **kwargs):
        if not (ticket and service and enabled()):
            return None  # a password sign-in: not ours
        client = get_cas_client(service_url=service, request=request)
        client.session = _TimedSession()
        try:
            username, attributes, _pgtiou = client.verify_ticket(ticket)
        except (requests.RequestException, ElementTree.ParseError, LookupError, AttributeError, ValueError):
            log.warning("统一身份认证服务无法核验票据", exc_info=True)
            return _refuse(request, Refusal("", UNREACHABLE, status=503))
        username = (username or "").strip()
        if not username:
            return _refuse(request, Refusal("", BAD_TICKET))
        User = get_user_model()
        user = User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()
        if user is None:
            return _refuse(request, Refusal(username, unknown_account(username)))
        if not self.user_can_authenticate(user):
            return _refuse(request, Refusal(username, inactive_account(username)))
        # The attributes (name, mail …) are neither stored nor applied: the account here is the one that counts.
        cas_user_authenticated.send(sender=self, user=user, created=False, username=username,
                                    attributes=attributes, pgtiou=None, ticket=ticket, service=service,
                                    request=request)  # fmt: skip
        return user


def _refuse(request, refusal: Refusal) -> None:
    if request is not None:
        request.cas_refusal = refusal  # read by the view (the page) and audit.receivers (the security log)
    return None


def axes_exempt(request, credentials: dict | None) -> bool:
    """AXES_WHITELIST_CALLABLE: a CAS ticket is never counted nor locked by django-axes.

    A ticket carries no password to guess (the CAS server throttles its own sign-in), and a failed one has no
    username: axes would count every refused ticket — a reloaded return page, an account not yet opened — against
    the address alone, and five of them behind the campus NAT would lock everyone's CAS sign-in there.
    """
    return bool(credentials) and "ticket" in credentials


def session_indexes(logout_request: str) -> list[str]:
    """The service tickets a CAS back-channel logoutRequest (SAML 2 LogoutRequest) names; [] if it is not one.

    Parsed here rather than by python-cas, which fails on an XML declaration and answers garbage with a 500; anyone
    may post it, so no DTD, entity or network access is taken from it.
    """
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(logout_request.encode(), parser=parser)
    except etree.XMLSyntaxError:
        return []
    return [
        node.text.strip()
        for node in root.iter(f"{SAML_PROTOCOL}SessionIndex")
        if node.text and node.text.strip()
    ]


def end_sessions(tickets: list[str]) -> int:
    """Single logout: end the sessions signed in with these tickets (django-cas-ng's SessionTicket rows).

    The session store is the one configured now (cached_db with Redis, db without): deleting through it removes
    the database row and the cached copy alike.
    """
    if not tickets:
        return 0
    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    rows = list(SessionTicket.objects.filter(ticket__in=tickets))
    for row in rows:
        session = store_class(session_key=row.session_key)
        cas_user_logout.send(
            sender="slo", user=get_user_from_session(session), session=session, ticket=row.ticket
        )
        session.delete(row.session_key)
    SessionTicket.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)


def forget_ticket(sender, request, user, **kwargs) -> None:
    """user_logged_out receiver: a session ended here (退出, the idle or absolute limit) keeps no ticket row."""
    if enabled() and request is not None and getattr(request, "session", None) is not None:
        key = request.session.session_key
        if key:
            SessionTicket.objects.filter(session_key=key).delete()
