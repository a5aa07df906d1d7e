"""`Authorization: Token <key>` (or `Bearer <key>`) for the API; no session, so no CSRF to forget.

The key is found by its SHA-256 (an indexed lookup that compares digests, never the secret itself), so a
timing difference can tell an attacker nothing about a valid token. A client switched off, or acting as an
account that was switched off, is refused as if the token were wrong.
"""

import datetime as dt

from rest_framework import authentication, exceptions

from audit.services import Kind, Result, record_quietly
from opinion_system import clock

from .models import ApiClient
from .services import PREFIX_LENGTH, token_hash

KEYWORDS = ("token", "bearer")
# The last-use stamp is written at most this often, so a busy client costs no write per request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def refuse(request, message: str, *, client: ApiClient | None = None, target: str = ""):
    """A token refused is a failed sign-in in the security log (等保2.0 身份鉴别), then 401."""
    record_quietly(
        kind=Kind.LOGIN_FAILED,
        result=Result.FAILURE,
        user=client.user if client else None,
        request=request._request,
        target=target or f"接口客户端 {client}",
        detail=message,
    )
    raise exceptions.AuthenticationFailed(message)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        # Read as text: DRF's helper re-encodes to latin-1 and fails on anything else a client may send.
        header = str(request.META.get("HTTP_AUTHORIZATION", "")).split()
        if not header or header[0].lower() not in KEYWORDS:
            return None  # no credentials: IsAuthenticated answers 401
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("令牌格式错误：应为 “Authorization: Token <令牌>”。")
        key = header[1]
        client = None
        if key.isascii():
            client = ApiClient.objects.select_related("user").filter(token_hash=token_hash(key)).first()
        if client is None:
            refuse(request, "令牌无效。", target=f"接口令牌 {key[:PREFIX_LENGTH]}…")
        if not client.is_active:
            refuse(request, "该接口客户端已停用。", client=client)
        if not client.user.is_active:
            refuse(request, "该接口客户端代表的账号已停用。", client=client)
        self._touch(client)
        return client.user, client

    def authenticate_header(self, request) -> str:
        return 'Token realm="api"'  # makes DRF answer 401 (not 403) to a request without valid credentials

    @staticmethod
    def _touch(client: ApiClient) -> None:
        now = clock.now()
        if client.last_used_at is None or now - client.last_used_at >= LAST_USED_RESOLUTION:
            # A plain UPDATE: no history row for a timestamp, and two requests at once write it once.
            stale = ApiClient.objects.filter(pk=client.pk, last_used_at=client.last_used_at)
            stale.update(last_used_at=now)
            client.last_used_at = now
