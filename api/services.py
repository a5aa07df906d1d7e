"""Every write of API clients: creating one, issuing it a new token, switching it off.

A token is shown once, when it is made; afterwards only its SHA-256 (to find the client) and its prefix (to
recognise it in the admin) exist. A lost token is replaced, never recovered.
"""

import hashlib
import secrets

from django.db import transaction

from opinion_system import clock
from opinion_system.errors import DomainError
from opinion_system.stamps import stamp

from .models import ApiClient

# Tells a person what the string is (a 舆情 system token) when it turns up in a config file.
TOKEN_MARK = "yq_"  # noqa: S105 - a visible mark, not a secret
PREFIX_LENGTH = len(TOKEN_MARK) + 6


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _new_token() -> str:
    return TOKEN_MARK + secrets.token_urlsafe(32)


def _set_token(client: ApiClient) -> str:
    token = _new_token()
    client.token_hash, client.token_prefix = token_hash(token), token[:PREFIX_LENGTH]
    return token


@transaction.atomic
def api_client_create(*, actor, user, name: str, rate_per_minute: int | None = None) -> tuple[ApiClient, str]:
    """A new client acting as `user`; returns it with its token, which is never shown again."""
    name = name.strip()
    if not name:
        raise DomainError("请填写接口客户端的名称。")
    if not user.is_active:
        raise DomainError(f"账号 {user.username} 已停用，不能用于接口客户端。")
    if rate_per_minute is not None and rate_per_minute <= 0:
        raise DomainError("每分钟请求上限须为正整数（留空则用系统设置）。")
    client = ApiClient(name=name, user=user, rate_per_minute=rate_per_minute, created_at=clock.now())
    token = _set_token(client)
    stamp(client, actor=actor, reason="创建接口客户端")
    client.save()
    return client, token


@transaction.atomic
def api_client_issue_token(*, actor, client: ApiClient) -> str:
    """Replace the client's token (the old one stops working at once); returns the new one, shown once."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    token = _set_token(client)
    stamp(client, actor=actor, reason="重新签发接口令牌")
    client.save(update_fields=["token_hash", "token_prefix"])
    return token


@transaction.atomic
def api_client_deactivate(*, actor, client: ApiClient) -> ApiClient:
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if client.is_active:
        client.is_active = False
        stamp(client, actor=actor, reason="停用接口客户端")
        client.save(update_fields=["is_active"])
    return client
