"""What the platform senders share: errors, the message's text, HTTP with a timeout, cached access tokens.

HTTP is urllib's, as the group robots' is: one idiom (and one timeout) for every outgoing call of this app, and
no dependency that only some channels would use.
"""

import datetime as dt
import hashlib
import json
import logging
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

log = logging.getLogger(__name__)

HTTP_TIMEOUT = 10  # seconds, every call: the claim's lease (delivery.LEASE) outlives a token fetch and a send
# WeCom and DingTalk: the token is invalid (40014), expired (42001) or the credential was refused (40001).
EXPIRED_TOKEN = frozenset({40001, 40014, 42001})
# A token is used until this long before the platform says it expires (they last 7,200 s).
TOKEN_MARGIN = 300


class DeliveryError(Exception):
    pass


class Deferred(Exception):
    """The person has reached a platform's cap: the row waits until `until`, unsent and not counted as tried."""

    def __init__(self, until: dt.datetime):
        super().__init__(f"等待至 {until.isoformat()}")
        self.until = until


def body(notice) -> str:
    link = f"{settings.SITE_URL.rstrip('/')}{notice.link}" if notice.link else ""
    return f"{notice.subject}\n{notice.text}\n{link}".strip()


def truncate_bytes(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes, cut on a character (WeCom counts bytes)."""
    raw = text.encode()
    return text if len(raw) <= limit else raw[: limit - 3].decode(errors="ignore") + "…"


def http_json(url: str, *, payload: dict | None = None) -> dict:
    """GET (or POST JSON) and read the JSON answer; a non-JSON answer is {}."""
    if not url.startswith(("https://", "http://")):
        raise DeliveryError("接口地址必须是 http(s)")
    data = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 - scheme checked above; the base URL is a setting
        url, data=data, headers={"Content-Type": "application/json"} if data else {}
    )
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
        raw = response.read(65536)
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def with_query(url: str, **params) -> str:
    return f"{url}?{urllib.parse.urlencode(params)}"


@dataclass(frozen=True)
class TokenSource:
    """A platform's gettoken: where to ask, and who asks (part of the cache key, hashed: no secret in Redis keys)."""

    platform: str  # "企业微信" / "钉钉", for error texts
    url: str  # with the credentials in the query
    identity: str

    @property
    def cache_key(self) -> str:
        return f"notice-token:{hashlib.sha256(self.identity.encode()).hexdigest()[:24]}"

    def fetch(self) -> str:
        answer = http_json(self.url)
        token = answer.get("access_token")
        if answer.get("errcode", 0) != 0 or not token:
            # errmsg only: the URL carries the secret.
            raise DeliveryError(
                f"{self.platform}获取访问令牌失败：{answer.get('errmsg') or answer.get('errcode')}"
            )
        lifetime = int(answer.get("expires_in") or 7200)
        cache.set(self.cache_key, token, timeout=max(60, lifetime - TOKEN_MARGIN))
        return token

    def token(self) -> str:
        return cache.get(self.cache_key) or self.fetch()


def call_with_token(source: TokenSource, call: Callable[[str], dict]) -> dict:
    """Call with the cached token; once more with a fresh one when the platform says it expired."""
    answer = call(source.token())
    if answer.get("errcode") in EXPIRED_TOKEN:
        cache.delete(source.cache_key)
        answer = call(source.fetch())
    return answer


def require(*names: str) -> None:
    missing = [name for name in names if not getattr(settings, name, "")]
    if missing:
        raise DeliveryError(f"未配置 {'、'.join(missing)}")
