"""统一身份认证 (CAS 3): a campus sign-in opens an account that already exists and is active, never creates one;
退出 ends the campus sign-in too, and the CAS server's back-channel logout ends ours. Against a CAS stub on
127.0.0.1 started by the tests."""

import datetime as dt
import importlib.util
import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlencode, urlsplit
from xml.sax.saxutils import escape

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_cas_ng.models import SessionTicket

from accounts import cas
from accounts.forms import LOCAL_LOGIN_CLOSED
from accounts.middleware import IDLE_MESSAGE
from audit.models import SecurityEvent
from departments.models import User

CAS_LOGIN = reverse("accounts:cas_login")
LOGIN = reverse("login")
HOME = reverse("incidents:home")
LIST = reverse("incidents:list")
BASE_DIR = Path(__file__).resolve().parents[2]


# --- the CAS server ---------------------------------------------------------------------------------------


class CASStub(ThreadingHTTPServer):
    """/cas/login, /cas/logout and /cas/p3/serviceValidate: a ticket it issued is good once, for its user."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _CASHandler)
        self.tickets: dict[str, tuple[str, dict]] = {}
        self.validated: list[dict] = []  # the query of every validation asked of it
        self.url = f"http://127.0.0.1:{self.server_address[1]}/cas/"

    def issue(self, ticket: str, username: str, **attributes) -> str:
        self.tickets[ticket] = (username, attributes)
        return ticket


class _CASHandler(BaseHTTPRequestHandler):
    server: CASStub

    def do_GET(self):
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        if parts.path == "/cas/p3/serviceValidate":
            self.server.validated.append(query)
            ticket = query.get("ticket", "")
            if ticket in GARBAGE:  # a server in maintenance, answering its HTML page or worse
                return self._answer(GARBAGE[ticket], "text/html")
            found = self.server.tickets.pop(ticket, None)
            self._answer(_success(*found) if found else _failure(ticket), "application/xml")
        elif parts.path in ("/cas/login", "/cas/logout"):
            self._answer("<html><body>CAS</body></html>", "text/html")
        else:
            self._answer("not found", "text/plain", status=404)

    def _answer(self, body: str, content_type: str, status: int = 200):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


GARBAGE = {"ST-maintenance": "<html><body>系统维护中</body></html>", "ST-broken": "oops <"}


def _success(username: str, attributes: dict) -> str:
    attrs = "".join(f"<cas:{k}>{escape(str(v))}</cas:{k}>" for k, v in attributes.items())
    return (
        '<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess>'
        f"<cas:user>{escape(username)}</cas:user><cas:attributes>{attrs}</cas:attributes>"
        "</cas:authenticationSuccess></cas:serviceResponse>"
    )


def _failure(ticket: str) -> str:
    return (
        '<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">'
        f'<cas:authenticationFailure code="INVALID_TICKET">Ticket {escape(ticket)} not recognized'
        "</cas:authenticationFailure></cas:serviceResponse>"
    )


def logout_request(ticket: str, declaration: bool = False) -> str:
    """The SAML LogoutRequest a CAS server posts to the service URL when the person signs out there."""
    head = '<?xml version="1.0" encoding="UTF-8"?>' if declaration else ""
    return (
        f'{head}<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="LR-1" Version="2.0" '
        'IssueInstant="2026-12-01T08:00:00Z"><saml:NameID>@NOT_USED@</saml:NameID>'
        f"<samlp:SessionIndex>{ticket}</samlp:SessionIndex></samlp:LogoutRequest>"
    )


@pytest.fixture(scope="module")
def cas_server():
    server = CASStub()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def cas_on(settings, cas_server):
    """CAS on, as opinion_system.settings sets it when CAS_SERVER_URL is given (test_the_settings_block checks)."""
    settings.CAS_SERVER_URL = cas_server.url
    settings.CAS_ROOT_PROXIED_AS = ""
    settings.AUTHENTICATION_BACKENDS = [
        settings.AUTHENTICATION_BACKENDS[0],
        cas.BACKEND,
        *settings.AUTHENTICATION_BACKENDS[1:],
    ]
    settings.LOGIN_URL = "accounts:cas_login"
    cas_server.tickets.clear()
    cas_server.validated.clear()
    return cas_server


def cas_sign_in(client, server, user_or_name, ticket="ST-1-abc", next_page=LIST):
    username = getattr(user_or_name, "username", user_or_name)
    server.issue(ticket, username, name="张三", mail="zhangsan@example.edu.cn")
    return client.get(CAS_LOGIN, {"next": next_page, "ticket": ticket})


def signed_in_user_id(client):
    return client.session.get(SESSION_KEY)


def events(kind):
    return list(SecurityEvent.objects.filter(kind=kind).order_by("seq"))


# --- settings ---------------------------------------------------------------------------------------------


def _settings_with(**environ) -> dict:
    code = (
        "import json; from opinion_system import settings as s; print(json.dumps({"
        "'backends': s.AUTHENTICATION_BACKENDS, 'login_url': s.LOGIN_URL, 'server': s.CAS_SERVER_URL,"
        "'apps': s.INSTALLED_APPS, 'local': s.LOCAL_LOGIN_ENABLED, 'create': s.CAS_CREATE_USER,"
        "'version': s.CAS_VERSION, 'root': s.CAS_ROOT_PROXIED_AS}))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAS_", "AUTH_LDAP_", "SITE_URL"))}
    env.update(
        ENV_FILE="", SECRET_KEY="x", DATABASE_URL="sqlite:////tmp/unused-cas-settings.sqlite3", **environ
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True)  # noqa: S603 - our own interpreter and code
    if done.returncode:
        return {"error": done.stderr}
    return json.loads(done.stdout)


def test_the_settings_block_changes_nothing_without_a_cas_server_and_adds_the_backend_with_one():
    off = _settings_with()
    assert off["server"] == "" and off["login_url"] == "login" and cas.BACKEND not in off["backends"]
    assert "django_cas_ng" in off["apps"]  # its tables exist either way
    on = _settings_with(
        CAS_SERVER_URL="https://cas.example.edu.cn/cas",
        LOCAL_LOGIN_ENABLED="0",
        SITE_URL="https://yq.example.edu.cn",
    )
    assert on["server"] == "https://cas.example.edu.cn/cas/"  # python-cas joins "login" to it
    assert on["backends"][:2] == ["axes.backends.AxesStandaloneBackend", cas.BACKEND]
    assert on["backends"][2:] == off["backends"][1:]
    assert on["login_url"] == "accounts:cas_login" and on["local"] is False
    assert on["create"] is False and on["version"] == "3" and on["root"] == "https://yq.example.edu.cn"


def test_an_ldap_directory_configured_without_its_package_refuses_to_start():
    if importlib.util.find_spec("django_auth_ldap"):  # the optional `ldap` extra
        pytest.skip("django-auth-ldap is installed here")
    got = _settings_with(AUTH_LDAP_SERVER_URI="ldap://ldap.example.edu.cn")
    assert "未安装 django-auth-ldap" in got.get("error", "")


def test_with_cas_off_the_cas_address_is_not_there(client, org):
    assert client.get(CAS_LOGIN).status_code == 404
    assert client.post(CAS_LOGIN, {"logoutRequest": logout_request("ST-1")}).status_code == 404
    assert "统一身份认证登录" not in client.get(LOGIN).content.decode()


# --- signing in -------------------------------------------------------------------------------------------


def test_a_page_sends_the_anonymous_to_the_cas_server_with_our_service_address(client, org, cas_on):
    to_sign_in = client.get(LIST)
    assert to_sign_in["Location"] == f"{CAS_LOGIN}?next={LIST}"
    to_cas = client.get(to_sign_in["Location"])
    assert to_cas.status_code == 302
    target = urlsplit(to_cas["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{cas_on.url}login"
    assert parse_qs(target.query)["service"] == [f"http://testserver{CAS_LOGIN}?{urlencode({'next': LIST})}"]


def test_a_known_user_signs_in_and_lands_on_the_page_asked_for(client, org, cas_on):
    liaison = org.p.xsc_liaison
    back = f"{LIST}?level=2"
    response = cas_sign_in(client, cas_on, liaison, next_page=back)
    assert response.status_code == 302 and response["Location"] == back
    assert signed_in_user_id(client) == str(liaison.pk)
    assert client.session["_auth_user_backend"] == cas.BACKEND
    # the CAS server was asked about this ticket for our service address
    assert cas_on.validated == [
        {"ticket": "ST-1-abc", "service": f"http://testserver{CAS_LOGIN}?{urlencode({'next': back})}"}
    ]
    assert SessionTicket.objects.filter(session_key=client.session.session_key, ticket="ST-1-abc").exists()
    assert client.get(back).status_code == 200
    [login] = events(SecurityEvent.Kind.LOGIN)
    assert login.user_id == liaison.pk and login.detail == "统一身份认证"
    assert login.path == f"{CAS_LOGIN}?{urlencode({'next': back})}"  # not the ticket: it names the session


def test_the_attributes_never_change_the_account_nor_its_roles(client, org, cas_on, settings):
    # django-cas-ng's own backend would apply these: ours does not, whatever the settings say.
    settings.CAS_APPLY_ATTRIBUTES_TO_USER = True
    settings.CAS_ADMIN_AFFILIATION = settings.CAS_STAFF_AFFILIATION = "staff"
    settings.CAS_MAP_AFFILIATIONS = True
    liaison = org.p.xsc_liaison
    groups = set(liaison.groups.values_list("pk", flat=True))
    cas_on.issue("ST-2", liaison.username, full_name="改过的名字", is_superuser="True", affiliation="staff")
    assert client.get(CAS_LOGIN, {"ticket": "ST-2"}).status_code == 302
    liaison.refresh_from_db()
    assert (liaison.full_name, liaison.is_superuser, liaison.is_staff) == ("xsc_liaison", False, False)
    assert set(liaison.groups.values_list("pk", flat=True)) == groups


def test_an_account_not_opened_here_is_refused_in_chinese_and_none_is_created(client, org, cas_on):
    users = User.objects.count()
    response = cas_sign_in(client, cas_on, "T2024999")
    assert response.status_code == 403
    text = response.content.decode()
    assert "统一身份认证账号 T2024999 尚未开通本系统权限，请联系党群工作部或安全管理员开通" in text
    assert "本地账号登录" in text
    assert User.objects.count() == users and not User.objects.filter(username="T2024999").exists()
    assert signed_in_user_id(client) is None
    [failed] = events(SecurityEvent.Kind.LOGIN_FAILED)
    assert (failed.username, failed.result) == ("T2024999", SecurityEvent.Result.REFUSED)
    assert "尚未开通" in failed.detail and "ST-" not in failed.detail + failed.path  # the ticket is not kept


def test_an_inactive_account_is_refused(client, org, cas_on):
    staff = org.p.xsc_staff
    User.objects.filter(pk=staff.pk).update(is_active=False)
    response = cas_sign_in(client, cas_on, staff)
    assert response.status_code == 403
    assert cas.inactive_account("xsc_staff") in response.content.decode()
    assert signed_in_user_id(client) is None


def test_a_bad_or_used_ticket_is_refused(client, org, cas_on):
    response = client.get(CAS_LOGIN, {"ticket": "ST-forged", "next": LIST})
    assert response.status_code == 403 and cas.BAD_TICKET in response.content.decode()
    assert signed_in_user_id(client) is None
    cas_sign_in(client, cas_on, org.p.xsc_liaison, ticket="ST-once")
    again = Client().get(CAS_LOGIN, {"ticket": "ST-once"})  # the return page reloaded in another browser
    assert again.status_code == 403


def test_a_cas_server_down_or_answering_garbage_gets_a_chinese_page_not_a_500(client, org, cas_on, settings):
    response = client.get(CAS_LOGIN, {"ticket": "ST-broken"})  # not XML
    assert response.status_code == 503 and cas.UNREACHABLE in response.content.decode()
    response = client.get(CAS_LOGIN, {"ticket": "ST-maintenance"})  # XML, but no authenticationSuccess
    assert response.status_code == 403 and cas.BAD_TICKET in response.content.decode()
    settings.CAS_SERVER_URL = "http://127.0.0.1:9/cas/"  # the discard port: nothing listens
    response = client.get(CAS_LOGIN, {"ticket": "ST-1"})
    assert response.status_code == 503 and cas.UNREACHABLE in response.content.decode()


def test_refused_tickets_are_not_counted_by_axes_so_the_campus_address_is_never_locked(client, org, cas_on):
    for n in range(8):  # more than AXES_FAILURE_LIMIT, all from 127.0.0.1
        assert client.get(CAS_LOGIN, {"ticket": f"ST-bad-{n}"}).status_code == 403
    assert not AccessAttempt.objects.exists()
    response = cas_sign_in(client, cas_on, org.p.xsc_liaison)
    assert response.status_code == 302 and signed_in_user_id(client) == str(org.p.xsc_liaison.pk)


@pytest.mark.parametrize(
    "hostile", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"]
)
def test_a_hostile_next_is_never_followed(client, org, cas_on, hostile):
    to_cas = client.get(CAS_LOGIN, {"next": hostile})
    service = parse_qs(urlsplit(to_cas["Location"]).query)["service"][0]
    assert "evil" not in service and "javascript" not in service
    # the CAS server sends the person back with a ticket to whatever service the link named
    response = cas_sign_in(client, cas_on, org.p.xsc_liaison, next_page=hostile)
    assert response.status_code == 302 and response["Location"] == HOME
    assert "evil" not in client.get(LOGIN, {"next": hostile}).content.decode()


# --- the account policy -----------------------------------------------------------------------------------


def test_a_cas_sign_in_is_not_sent_to_change_a_local_password(client, org, cas_on):
    liaison = org.p.xsc_liaison
    User.objects.filter(pk=liaison.pk).update(must_change_password=True)
    local = Client()
    local.force_login(liaison, backend="django.contrib.auth.backends.ModelBackend")
    assert local.get(LIST)["Location"].startswith(reverse("accounts:password_change"))
    cas_sign_in(client, cas_on, liaison)
    assert client.get(LIST).status_code == 200


def test_the_idle_limit_still_ends_a_cas_session_on_the_page_that_says_why(client, org, cas_on):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        cas_sign_in(client, cas_on, org.p.xsc_liaison)
    key = client.session.session_key
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=False):
        gone = client.get(LIST)
    # the local page with the message and the CAS button, not straight back through the CAS server
    assert gone["Location"] == f"{LOGIN}?next={quote(LIST, safe='')}"
    page = client.get(gone["Location"]).content.decode()
    assert IDLE_MESSAGE in page and "统一身份认证登录" in page
    assert not SessionTicket.objects.filter(session_key=key).exists()


# --- signing out ------------------------------------------------------------------------------------------


def test_logout_ends_the_cas_sign_in_too_and_comes_back_to_the_login_page(client, org, cas_on):
    cas_sign_in(client, cas_on, org.p.xsc_liaison)
    key = client.session.session_key
    response = client.post(reverse("logout"))
    assert response["Location"] == f"{cas_on.url}logout?{urlencode({'service': f'http://testserver{LOGIN}'})}"
    assert signed_in_user_id(client) is None
    assert not SessionTicket.objects.filter(session_key=key).exists()
    assert client.get(LIST)["Location"].startswith(CAS_LOGIN)


def test_a_local_sign_in_logs_out_here_only(client, org, cas_on):
    client.force_login(org.p.root, backend="django.contrib.auth.backends.ModelBackend")
    assert client.post(reverse("logout"))["Location"] == LOGIN


@pytest.mark.parametrize("engine", ["cached_db", "db"])
def test_the_cas_servers_logout_request_ends_the_session_signed_in_with_that_ticket(
    org, cas_on, settings, engine
):
    settings.SESSION_ENGINE = f"django.contrib.sessions.backends.{engine}"
    browser, other = Client(), Client()
    cas_sign_in(browser, cas_on, org.p.xsc_liaison, ticket="ST-77-slo")
    cas_sign_in(other, cas_on, org.p.rsc_liaison, ticket="ST-78-other")
    assert browser.get(LIST).status_code == 200  # read once, so cached_db holds a copy in Redis
    cas_server_post = Client(enforce_csrf_checks=True)  # the back channel: no cookie, no CSRF token
    done = cas_server_post.post(CAS_LOGIN, {"logoutRequest": logout_request("ST-77-slo", declaration=True)})
    assert done.status_code == 200
    to_sign_in = browser.get(LIST)
    assert to_sign_in.status_code == 302 and to_sign_in["Location"].startswith(CAS_LOGIN)
    assert other.get(LIST).status_code == 200  # another person's session is untouched
    assert not SessionTicket.objects.filter(ticket="ST-77-slo").exists()
    [logout] = events(SecurityEvent.Kind.LOGOUT)
    assert logout.user_id == org.p.xsc_liaison.pk and logout.detail == "统一身份认证单点退出"


@pytest.mark.parametrize("body", [{}, {"logoutRequest": "not xml <"}, {"logoutRequest": "<a/>"}])
def test_a_malformed_logout_request_is_a_400_not_a_500(client, org, cas_on, body):
    assert client.post(CAS_LOGIN, body).status_code == 400


# --- the local form ---------------------------------------------------------------------------------------


def test_the_login_page_leads_with_cas_and_keeps_the_local_form(client, org, cas_on, settings):
    page = client.get(LOGIN, {"next": LIST}).content.decode()
    assert "统一身份认证登录" in page and f'href="{CAS_LOGIN}?next={quote(LIST, safe="")}"' in page
    assert '<details class="mt-3 border-top pt-3" id="local-login" open>' in page
    settings.LOCAL_LOGIN_ENABLED = False
    page = client.get(LOGIN).content.decode()
    assert '<details class="mt-3 border-top pt-3" id="local-login">' in page and "仅限系统管理员使用" in page


def test_the_superuser_signs_in_locally_with_cas_on_whatever_the_fallback(client, org, cas_on, settings):
    settings.LOCAL_LOGIN_ENABLED = False
    response = client.post(LOGIN, {"username": "root", "password": "x"})
    assert response.status_code == 302 and signed_in_user_id(client) == str(org.p.root.pk)


def test_with_the_fallback_off_others_are_refused_the_local_form_in_chinese(client, org, cas_on, settings):
    settings.LOCAL_LOGIN_ENABLED = False
    response = client.post(LOGIN, {"username": "xsc_liaison", "password": "pw"})
    assert response.status_code == 200 and LOCAL_LOGIN_CLOSED in response.content.decode()
    assert signed_in_user_id(client) is None
    [refused] = events(SecurityEvent.Kind.LOGIN_FAILED)
    assert (refused.username, refused.result) == ("xsc_liaison", SecurityEvent.Result.REFUSED)


def test_with_the_fallback_on_others_sign_in_locally(client, org, cas_on, settings):
    settings.LOCAL_LOGIN_ENABLED = True
    response = client.post(LOGIN, {"username": "xsc_liaison", "password": "pw"})
    assert response.status_code == 302 and signed_in_user_id(client) == str(org.p.xsc_liaison.pk)


def test_the_admins_sign_in_page_keeps_the_same_rule(client, org, cas_on, settings):
    settings.LOCAL_LOGIN_ENABLED = False
    sysadmin = org.p.sysadmin
    User.objects.filter(pk=sysadmin.pk).update(is_staff=True)
    response = client.post(reverse("admin:login"), {"username": "sysadmin", "password": "pw"})
    assert response.status_code == 200 and LOCAL_LOGIN_CLOSED in response.content.decode()
    assert signed_in_user_id(client) is None
    settings.LOCAL_LOGIN_ENABLED = True
    assert client.post(reverse("admin:login"), {"username": "sysadmin", "password": "pw"}).status_code == 302
    assert signed_in_user_id(client) == str(sysadmin.pk)
