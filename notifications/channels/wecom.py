"""企业微信 应用消息 to one member (message/send with touser = the person's UserID)."""

from django.conf import settings

from .common import (
    DeliveryError,
    TokenSource,
    body,
    call_with_token,
    http_json,
    require,
    truncate_bytes,
    with_query,
)

# WeCom's answers that mean "too many": the member's or the application's frequency caps. Backed off like a
# failure; our own count (limits.CAPS) keeps us below the per-member caps in the first place.
RATE_LIMITED = frozenset({45009, 45033, 45035, 45047})
TEXT_BYTES = 2048  # a text message's content


def token_source() -> TokenSource:
    base = settings.WECOM_API_BASE.rstrip("/")
    url = with_query(
        f"{base}/cgi-bin/gettoken", corpid=settings.WECOM_CORP_ID, corpsecret=settings.WECOM_SECRET
    )
    return TokenSource("企业微信", url, f"wecom|{base}|{settings.WECOM_CORP_ID}|{settings.WECOM_AGENT_ID}")


def send(notice) -> None:
    require("WECOM_CORP_ID", "WECOM_AGENT_ID", "WECOM_SECRET")
    person = notice.recipient
    if not person.wecom_userid:
        raise DeliveryError(f"{person.display_name} 没有企业微信账号")
    payload = {
        "touser": person.wecom_userid,
        "msgtype": "text",
        "agentid": int(settings.WECOM_AGENT_ID),
        "text": {"content": truncate_bytes(body(notice), TEXT_BYTES)},
    }
    base = settings.WECOM_API_BASE.rstrip("/")
    answer = call_with_token(
        token_source(),
        lambda token: http_json(
            with_query(f"{base}/cgi-bin/message/send", access_token=token), payload=payload
        ),
    )
    code = answer.get("errcode")
    if code in RATE_LIMITED:
        raise DeliveryError(f"企业微信限流（{code}）：{answer.get('errmsg', '')}")
    if code != 0:
        raise DeliveryError(f"企业微信返回错误（{code}）：{answer.get('errmsg', '')}")
    # The send "succeeds" but names the members it could not reach (unknown, or outside the app's scope).
    if answer.get("invaliduser"):
        raise DeliveryError(
            f"企业微信账号“{person.wecom_userid}”（{person.display_name}）无效或不在应用可见范围内，未送达"
        )
