"""Security headers: the Content-Security-Policy on every response, and HTTPS (redirect, HSTS) behind HTTPS=1.

The browser's side — nothing on the pages is blocked, htmx still works — is tests/e2e/test_csp.py.
"""

import base64
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import simple_history
from csp.middleware import CSPMiddleware
from django.conf import settings
from django.http import HttpResponse
from django.template import Context, Template
from django.test import override_settings
from django.urls import reverse
from django.views import defaults

from tests.factories import archived, png_upload, report

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
NONCE_RE = re.compile(r"'nonce-([^']+)'")


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy header as {directive: [sources]}."""
    header = response["Content-Security-Policy"]
    return {name: sources for name, *sources in (part.split() for part in header.split(";") if part.strip())}


def sha256_source(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def assert_the_app_policy(response) -> None:
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"][0] == "'self'"
    assert all(source.startswith("'nonce-") for source in directives["script-src"][1:])
    assert directives["img-src"] == ["'self'", "data:"]
    assert directives["object-src"] == ["'none'"] and directives["base-uri"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"] and directives["form-action"] == ["'self'"]
    for name, sources in directives.items():
        assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources, name


def assert_inline_scripts_carry_the_nonce(response) -> None:
    """An inline script runs only with the nonce of its own response's header."""
    page = response.content.decode()
    nonces = NONCE_RE.findall(response["Content-Security-Policy"])
    for tag in re.findall(r"<script\b[^>]*>", page):
        if "src=" in tag:
            continue
        found = re.search(r'\snonce="([^"]+)"', tag)
        assert found and [found.group(1)] == nonces, f"inline script without this response's nonce: {tag}"


def pages(org) -> list[tuple[str, str, dict]]:
    """(who, url, extra headers) for the pages of each kind: full pages, htmx partials, error pages, the admin."""
    done = archived(org)
    return [
        ("clerk", reverse("incidents:home"), {}),
        ("clerk", reverse("incidents:list"), {}),
        ("clerk", reverse("incidents:list") + "?status=archived", {"HTTP_HX_REQUEST": "true"}),
        ("clerk", reverse("incidents:detail", args=[done.pk]), {}),
        ("clerk", reverse("reports:dossier_card", args=[done.pk]), {"HTTP_HX_REQUEST": "true"}),
        ("clerk", reverse("notifications:list"), {}),
        ("clerk", reverse("reports:archive"), {}),
        ("clerk", reverse("reports:disposal_form_pdf", args=[done.pk]), {}),
        ("outsider", reverse("incidents:detail", args=[done.pk]), {}),  # 404
        ("outsider", reverse("reports:archive"), {}),  # 403
        ("root", reverse("admin:index"), {}),
        ("root", reverse("admin:incidents_incident_change", args=[done.pk]), {}),
        ("root", reverse("admin:incidents_incident_history", args=[done.pk]), {}),
        (None, reverse("login"), {}),
    ]


def test_every_response_carries_the_policy_and_no_inline_script_without_its_nonce(client, org):
    for who, url, headers in pages(org):
        client.logout()
        if who:
            client.force_login(getattr(org.p, who))
        response = client.get(url, **headers)
        assert response.status_code in (200, 403, 404), (url, response.status_code)
        assert_the_app_policy(response)
        if response["Content-Type"].startswith("text/html"):
            assert_inline_scripts_carry_the_nonce(response)


def test_the_server_error_page_gets_the_policy_and_its_style_is_allowed_by_hash(rf):
    page = (TEMPLATES / "500.html").read_text()
    (style,) = re.findall(r"<style>(.*?)</style>", page, re.S)
    response = CSPMiddleware(defaults.server_error)(rf.get("/"))
    assert response.status_code == 500
    assert_the_app_policy(response)
    assert sha256_source(style) in policy(response)["style-src"]


def test_the_one_style_attribute_of_the_admin_history_list_is_allowed_by_hash():
    template = Path(simple_history.__file__).parent / "templates/simple_history/object_history_list.html"
    attributes = re.findall(r'\sstyle="([^"]*)"', template.read_text())
    allowed = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src-attr"]
    assert [sha256_source(value) for value in attributes] == [settings.HISTORY_LIST_STYLE_HASH]
    assert allowed == ["'unsafe-hashes'", settings.HISTORY_LIST_STYLE_HASH]


def test_templates_have_no_inline_handlers_styles_or_scripts_without_the_nonce():
    """What the policy would block: on*= handlers, hx-on (htmx evaluates it), style attributes, bare scripts.

    reports/pdf/ is read by WeasyPrint, never by a browser.
    """
    for path in TEMPLATES.rglob("*.html"):
        if "pdf" in path.relative_to(TEMPLATES).parts:
            continue
        text = re.sub(r"{#.*?#}", "", path.read_text(), flags=re.S)
        name = path.relative_to(TEMPLATES)
        assert not re.search(r"\son[a-z]+\s*=", text), f"{name}: inline event handler"
        assert not re.search(r"\shx-on", text), f"{name}: hx-on needs 'unsafe-eval'"
        assert not re.search(r"\sstyle\s*=", text), f"{name}: style attribute"
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'nonce="{{ request.csp_nonce }}"' in tag, f"{name}: {tag}"


def test_a_page_that_needs_an_inline_script_gets_a_fresh_nonce_in_its_header(rf):
    """The nonce is made only for a page that uses it, anew for each request, and is the one in its header."""
    page = Template('<script nonce="{{ request.csp_nonce }}">start()</script>')

    def view(request):
        return HttpResponse(page.render(Context({"request": request})))

    middleware = CSPMiddleware(view)
    seen = set()
    for _ in range(3):
        response = middleware(rf.get("/"))
        (nonce,) = NONCE_RE.findall(response["Content-Security-Policy"])
        assert f'nonce="{nonce}"' in response.content.decode()
        assert len(base64.b64decode(nonce)) == 16
        seen.add(nonce)
    assert len(seen) == 3
    # A page with no inline script: no nonce in its header, nothing to guess.
    plain = CSPMiddleware(lambda request: HttpResponse("<p>ok</p>"))(rf.get("/"))
    assert not NONCE_RE.search(plain["Content-Security-Policy"])


def test_evidence_downloads_keep_their_own_stricter_policy(client, org):
    evidence = report(org, files=[png_upload()]).evidence.get()
    client.force_login(org.p.clerk)
    response = client.get(reverse("incidents:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


# --- HTTPS=1: one setting turns on the redirect, HSTS, the proxy header and secure cookies. -------------------


def production_environment(**overrides: str) -> dict[str, str]:
    """The environment README documents for a server, with a fresh key; this checkout's .env is not read."""
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE")}
    env.update(
        ENV_FILE="",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="yq.example.edu.cn",
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/opinion_system"),
        REDIS_URL="redis://127.0.0.1:6379/15",
        HTTPS="1",
    )
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own executable and arguments
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_under_the_documented_production_settings():
    result = manage(production_environment(), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_without_https_check_deploy_names_the_missing_redirect_and_hsts():
    result = manage(production_environment(HTTPS="0"), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W004" in result.stderr and "security.W008" in result.stderr


SECURE_NAMES = [
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
]


def secure_settings(env: dict[str, str]) -> dict:
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {SECURE_NAMES!r}}}))"
    )
    result = manage(env, "shell", "-c", code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def https_settings() -> dict:
    return secure_settings(production_environment())


def test_https_turns_on_the_redirect_hsts_the_proxy_header_and_secure_cookies(https_settings):
    assert https_settings["SECURE_SSL_REDIRECT"] is True
    assert https_settings["SECURE_HSTS_SECONDS"] == 31_536_000
    assert https_settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert https_settings["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert https_settings["SESSION_COOKIE_SECURE"] is True and https_settings["CSRF_COOKIE_SECURE"] is True
    demo = secure_settings(production_environment(HTTPS="", DEBUG="1"))
    assert demo["SECURE_SSL_REDIRECT"] is False and demo["SECURE_HSTS_SECONDS"] == 0
    assert demo["SECURE_PROXY_SSL_HEADER"] is None  # without the proxy, a client could claim https itself


def test_over_https_plain_http_is_redirected_except_the_health_check(client, org, https_settings):
    overrides = {
        **https_settings,
        "SECURE_PROXY_SSL_HEADER": tuple(https_settings["SECURE_PROXY_SSL_HEADER"]),
        "ALLOWED_HOSTS": ["yq.example.edu.cn"],
    }
    with override_settings(**overrides):
        response = client.get(reverse("incidents:home"), HTTP_HOST="yq.example.edu.cn")
        assert response.status_code == 301 and response["Location"] == "https://yq.example.edu.cn/"
        health = client.get(reverse("incidents:health"), HTTP_HOST="yq.example.edu.cn")
        assert health.status_code in (200, 503) and "Strict-Transport-Security" not in health
        # Behind the proxy, which says the client came over HTTPS: the page itself, with HSTS.
        client.force_login(org.p.clerk)
        response = client.get(
            reverse("incidents:home"), HTTP_HOST="yq.example.edu.cn", HTTP_X_FORWARDED_PROTO="https"
        )
        assert response.status_code == 200
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
