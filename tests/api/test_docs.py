"""The schema and the docs page: Chinese, behind a sign-in or a token, and within the site's CSP."""

import re

from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from .conftest import token_client

SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.DOTALL | re.IGNORECASE)
ASSET = re.compile(r'(?:src|href)="([^"]+)"')


def test_the_schema_needs_a_token_or_a_sign_in(org):
    url = reverse("api:schema") + "?format=json"
    assert Client().get(url).status_code == 401
    browser = Client()
    browser.force_login(org.p.xsc_liaison)
    assert browser.get(url).status_code == 200
    http, _ = token_client(org.p.clerk)
    schema = http.get(url).json()
    assert schema["info"]["title"] == "网络舆情处置管理系统 接口"
    assert schema["components"]["securitySchemes"]["接口令牌"]["scheme"] == "bearer"
    assert set(schema["paths"]) == {
        "/api/v1/leads/", "/api/v1/leads/{id}/", "/api/v1/incidents/", "/api/v1/incidents/{id}/",
        "/api/v1/incidents/{id}/deadlines/", "/api/v1/notices/",
    }  # fmt: skip
    lead = schema["components"]["schemas"]["LeadInputRequest"]["properties"]
    assert lead["captured_at"]["description"].startswith("发现时间")
    every_operation = [op for path in schema["paths"].values() for op in path.values()]
    assert all(not op["summary"].isascii() and op["security"] for op in every_operation)


def test_the_docs_page_is_for_signed_in_people(org):
    response = Client().get(reverse("api:docs"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_docs_page_runs_only_our_static_files_under_the_sites_policy(org):
    browser = Client()
    browser.force_login(org.p.clerk)
    response = browser.get(reverse("api:docs"))
    assert response.status_code == 200
    policy = dict(d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";"))
    assert policy["script-src"] == "'self'"  # the site's policy, no exception made for this page
    assert policy["style-src"].startswith("'self'") and "unsafe" not in policy["style-src"]
    html = response.content.decode()
    scripts = SCRIPT.findall(html)
    assert len(scripts) == 3
    for attributes, body in scripts:
        assert not body.strip(), "an inline script would be blocked (it has no nonce)"
        assert 'src="/static/' in attributes
    assert "<style" not in html and " style=" not in html
    assets = ASSET.findall(html)
    static = [a for a in assets if a.startswith("/static/")]
    assert len(static) == 6  # favicon, 2 stylesheets, 3 scripts: all vendored, none from another host
    assert not [a for a in assets if "://" in a or a.startswith("//")]
    for asset in static:
        assert finders.find(asset.removeprefix("/static/")), f"{asset} is not among the static files"
    assert f'data-schema-url="{reverse("api:schema")}?format=json"' in html
