"""钉钉 工作通知 to one person (topapi/message/corpconversation/asyncsend_v2 with the person's userid).

DingTalk delivers the same content to the same person once a day only: a repeated reminder that read the same
as the earlier one would never arrive. The text therefore names which reminder of the same matter this is and
when it was written, both read from the outbox rows (`repeat_mark`).
"""

from zoneinfo import ZoneInfo

from django.conf import settings

from ..models import Notice
from .common import DeliveryError, TokenSource, body, call_with_token, http_json, require, with_query

# DingTalk's "too many" answers (the app's or the person's frequency caps): backed off like a failure.
RATE_LIMITED = frozenset({90018, 90002, 143105, 43009})
TEXT_CHARS = 5000


def token_source() -> TokenSource:
    base = settings.DINGTALK_API_BASE.rstrip("/")
    url = with_query(
        f"{base}/gettoken", appkey=settings.DINGTALK_APP_KEY, appsecret=settings.DINGTALK_APP_SECRET
    )
    return TokenSource("钉钉", url, f"dingtalk|{base}|{settings.DINGTALK_APP_KEY}")


def repeat_mark(notice: Notice) -> str:
    """ "（第 2 次提醒 · 12-01 14:05）": the how-manieth DingTalk row of the same deadline (or incident and kind)
    to this person this is, and when it was written (Beijing time)."""
    same = Notice.objects.filter(recipient_id=notice.recipient_id, channel=notice.channel)
    same = (
        same.filter(deadline_id=notice.deadline_id)
        if notice.deadline_id
        else same.filter(incident_id=notice.incident_id, kind=notice.kind)
    )
    earlier = (
        same.filter(created_at__lt=notice.created_at).count()
        + same.filter(created_at=notice.created_at, pk__lt=notice.pk).count()
    )
    when = notice.created_at.astimezone(ZoneInfo(settings.TIME_ZONE)).strftime("%m-%d %H:%M")
    return f"（第 {earlier + 1} 次提醒 · {when}）" if earlier else f"（{when}）"


def send(notice: Notice) -> None:
    require("DINGTALK_APP_KEY", "DINGTALK_APP_SECRET", "DINGTALK_AGENT_ID")
    person = notice.recipient
    if not person.dingtalk_userid:
        raise DeliveryError(f"{person.display_name} 没有钉钉账号")
    mark = repeat_mark(notice)
    payload = {
        "agent_id": int(settings.DINGTALK_AGENT_ID),
        "userid_list": person.dingtalk_userid,
        "msg": {
            "msgtype": "text",
            "text": {"content": f"{body(notice)[: TEXT_CHARS - len(mark) - 1]}\n{mark}"},
        },
    }
    base = settings.DINGTALK_API_BASE.rstrip("/")
    url = f"{base}/topapi/message/corpconversation/asyncsend_v2"
    answer = call_with_token(
        token_source(), lambda token: http_json(with_query(url, access_token=token), payload=payload)
    )
    code = answer.get("errcode")
    if code in RATE_LIMITED:
        raise DeliveryError(f"钉钉限流（{code}）：{answer.get('errmsg', '')}")
    if code != 0:
        raise DeliveryError(f"钉钉返回错误（{code}）：{answer.get('errmsg', '')}")
