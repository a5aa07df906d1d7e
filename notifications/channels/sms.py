"""短信 for the urgent notices only (services.SMS_KINDS): a pluggable gateway, Aliyun's SendSms by default.

An SMS is a filled-in template the carrier approved, not free text: the parameters are the subject, cut short,
and the link to the page.
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import urllib.parse
import uuid
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from .common import DeliveryError, http_json, require

SUBJECT_CHARS = 20  # a template variable is short (Aliyun: 35 characters for most kinds)


class SmsGateway(Protocol):
    def send(self, phone: str, params: dict[str, str]) -> None:
        """Send the configured template with these parameters to one mobile number; raise DeliveryError."""


def _encode(value: str) -> str:
    # Aliyun's percentEncode: RFC 3986 (space as %20, "*" as %2A, "~" kept), UTF-8.
    return urllib.parse.quote(value, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    """Aliyun RPC signature V1.0: base64(HMAC-SHA1(secret + "&", METHOD&%2F&percentEncode(sorted query)))."""
    canonical = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{_encode('/')}&{_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSms:
    """dysmsapi SendSms (API version 2017-05-25)."""

    # Aliyun's flow control for one number (by minute, hour, day) and the account's: retried after a backoff.
    RATE_LIMITED = frozenset({"isv.BUSINESS_LIMIT_CONTROL", "Throttling.User", "isv.DAY_LIMIT_CONTROL"})

    def send(self, phone: str, params: dict[str, str]) -> None:
        require(
            "SMS_ALIYUN_ACCESS_KEY_ID", "SMS_ALIYUN_ACCESS_KEY_SECRET", "SMS_SIGN_NAME", "SMS_TEMPLATE_CODE"
        )
        query = {
            "AccessKeyId": settings.SMS_ALIYUN_ACCESS_KEY_ID,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": "cn-hangzhou",
            "SignName": settings.SMS_SIGN_NAME,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "TemplateCode": settings.SMS_TEMPLATE_CODE,
            "TemplateParam": json.dumps(params, ensure_ascii=False),
            "Timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }
        signature = aliyun_signature(query, settings.SMS_ALIYUN_ACCESS_KEY_SECRET)
        encoded = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in {"Signature": signature, **query}.items())
        answer = http_json(f"{settings.SMS_API_BASE.rstrip('/')}/?{encoded}")
        code = answer.get("Code")
        if code == "OK":
            return
        if code in self.RATE_LIMITED:
            raise DeliveryError(f"短信限流（{code}）：{answer.get('Message', '')}")
        raise DeliveryError(f"短信发送失败（{code}）：{answer.get('Message', '')}")


def gateway() -> SmsGateway:
    return import_string(settings.SMS_GATEWAY)()


def params(notice) -> dict[str, str]:
    subject = (
        notice.subject if len(notice.subject) <= SUBJECT_CHARS else notice.subject[: SUBJECT_CHARS - 1] + "…"
    )
    return {"subject": subject, "link": f"{settings.SITE_URL.rstrip('/')}{notice.link or '/'}"}


def send(notice) -> None:
    person = notice.recipient
    if not person.phone:
        raise DeliveryError(f"{person.display_name} 没有手机号")
    gateway().send(person.phone, params(notice))
