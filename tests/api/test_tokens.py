"""Tokens: only their hash is kept; a wrong, old or switched-off one is refused with 401 in Chinese."""

import hashlib

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from api import services
from api.models import ApiClient
from audit.models import SecurityEvent

from .conftest import token_client

URL = "/api/v1/incidents/"


def test_only_the_hash_and_a_prefix_are_stored(org):
    client, token = services.api_client_create(actor=None, user=org.p.clerk, name="脚本")
    row = ApiClient.objects.get(pk=client.pk)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token.startswith(row.token_prefix) and len(row.token_prefix) < 12 < len(token)
    stored = " ".join(str(v) for v in ApiClient.objects.values_list().get(pk=client.pk))
    history = " ".join(str(v) for v in ApiClient.history.values_list().filter(id=client.pk))
    assert token not in stored and token not in history


@pytest.mark.parametrize("scheme", ["Token", "Bearer", "bearer"])
def test_a_valid_token_in_either_scheme_is_accepted(org, scheme):
    _, token = services.api_client_create(actor=None, user=org.p.clerk, name="脚本")
    assert Client(headers={"authorization": f"{scheme} {token}"}).get(URL).status_code == 200


@pytest.mark.parametrize(
    "header", [None, "Token", "Token wrong-token", "Token a b", "Basic b2ZmaWNlOnB3", "Token 令牌"]
)
def test_missing_or_wrong_credentials_are_401_in_chinese(org, header):
    headers = {"authorization": header} if header else {}
    response = Client(headers=headers).get(URL)
    if header and header.startswith("Basic"):
        assert response.status_code == 401  # not ours: as if none were sent
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"].isascii() is False
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_switched_off_client_is_refused(org):
    http, api_client = token_client(org.p.clerk)
    assert http.get(URL).status_code == 200
    services.api_client_deactivate(actor=org.p.root, client=api_client)
    response = http.get(URL)
    assert response.status_code == 401
    assert response.json() == {"detail": "该接口客户端已停用。"}


def test_a_client_of_a_switched_off_account_is_refused(org):
    http, _ = token_client(org.p.clerk)
    org.p.clerk.is_active = False
    org.p.clerk.save(update_fields=["is_active"])
    response = http.get(URL)
    assert response.status_code == 401
    assert response.json() == {"detail": "该接口客户端代表的账号已停用。"}


def test_a_new_token_replaces_the_old_one(org):
    http, api_client = token_client(org.p.clerk)
    token = services.api_client_issue_token(actor=org.p.root, client=api_client)
    assert http.get(URL).status_code == 401
    assert Client(headers={"authorization": f"Token {token}"}).get(URL).status_code == 200


def test_last_use_is_written_at_most_once_a_minute(org, time_machine):
    http, api_client = token_client(org.p.clerk)
    time_machine.move_to("2026-03-02 09:00:00+08:00", tick=False)
    http.get(URL)
    first = ApiClient.objects.get(pk=api_client.pk).last_used_at
    time_machine.move_to("2026-03-02 09:00:50+08:00", tick=False)
    http.get(URL)
    assert ApiClient.objects.get(pk=api_client.pk).last_used_at == first
    time_machine.move_to("2026-03-02 09:01:10+08:00", tick=False)
    http.get(URL)
    assert ApiClient.objects.get(pk=api_client.pk).last_used_at > first


def test_the_command_prints_the_token_once_and_keeps_its_hash(org, capsys):
    call_command(
        "api_client_create", "--user", org.p.clerk.username, "--name", "实训中心监测", "--rate", "30"
    )
    token = capsys.readouterr().out.strip().splitlines()[-1]
    client = ApiClient.objects.get(name="实训中心监测")
    assert client.token_hash == hashlib.sha256(token.encode()).hexdigest() and client.rate == 30
    assert Client(headers={"authorization": f"Bearer {token}"}).get(URL).status_code == 200


def test_the_session_of_a_signed_in_person_does_not_open_the_api(org):
    """No session authentication on the API: a page's cookie is not a credential here (no CSRF hole)."""
    browser = Client()
    browser.force_login(org.p.clerk)
    assert browser.get(URL).status_code == 401
    assert browser.get(reverse("incidents:list")).status_code == 200


def test_a_refused_token_is_a_failed_sign_in_in_the_security_log(org):
    http, api_client = token_client(org.p.clerk)
    Client(headers={"authorization": "Token yq_guessed-token"}).get(URL)
    services.api_client_deactivate(actor=org.p.root, client=api_client)
    http.get(URL)
    failed = SecurityEvent.objects.filter(kind="login_failed").order_by("seq")
    assert [(e.result, e.username, e.target, e.detail) for e in failed] == [
        ("failure", "", "接口令牌 yq_guesse…", "令牌无效。"),
        ("failure", "office_clerk", f"接口客户端 {api_client}", "该接口客户端已停用。"),
    ]
