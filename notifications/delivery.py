"""Delivering outbox rows: in-app, email, group robots (企业微信 / 钉钉 / 飞书), and a person's own 企业微信
application message, 钉钉 work notice and SMS (notifications.channels).

A notice is sent by whoever claims it first: a conditional UPDATE sets `claimed_until` only if the row is
unsent, not cancelled and not claimed by someone else, so two workers (or a task delivered twice by Redis)
never send it twice. A failure records the error and backs off in the database; the next sweep queues it again,
so retries need no ETA task. A failing channel fails only its own rows: the others, and the web request, go on.

The one window left is a worker killed after a robot or mail server accepted the message but before the row
was marked sent: that row goes out again after its claim expires (at-least-once towards the outside world).

A person's platform caps (WeCom's per minute and hour, DingTalk's per day) are kept by counting the outbox:
a row over a cap is given back unsent with its claim ending when the window frees, the attempt uncounted and
no error written, so the sweep sends it then (channels.limits).

A deadline's reminder is not sent once the deadline is no longer open: the notice asks its deadline
(`Deadline.is_open`, by the relation) rather than importing incidents, which sits above this app.
"""

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Count, F, Min
from django.utils import timezone

from opinion_system import claims
from opinion_system.cache import broker_known_down, broker_ready, publish

from .channels import Deferred, DeliveryError, dingtalk, limits, sms, wecom
from .channels.common import body as _body
from .models import Notice, WebhookEndpoint
from .tasks import deliver_notice as deliver_notice_task

log = logging.getLogger(__name__)

WEBHOOK_TIMEOUT = 10
# The claim outlives any one delivery (a robot must answer within WEBHOOK_TIMEOUT; a task is killed at
# CELERY_TASK_TIME_LIMIT), so no second worker takes a notice still being sent; one whose worker died is
# free again after it.
LEASE = dt.timedelta(minutes=5)
# Redis hands a killed worker's task out again after its visibility timeout (10 minutes, settings'
# CELERY_BROKER_TRANSPORT_OPTIONS): a notice still unsent after that was lost with the broker, and queuing
# it again sooner would only queue copies.
REQUEUE_AFTER = dt.timedelta(minutes=10)


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def deliver(notice_id: int) -> str:
    """Send one notice if nobody else is sending it; returns what happened (for logs and tests)."""
    now = timezone.now()
    unsent = Notice.objects.filter(pk=notice_id, sent_at__isnull=True, cancelled_at__isnull=True)
    if claims.claim(unsent, now=now, lease=LEASE) is None:
        return "skipped"
    notice = Notice.objects.select_related("recipient", "endpoint", "deadline", "incident").get(pk=notice_id)
    if notice.deadline_id and notice.kind.startswith("deadline_") and not notice.deadline.is_open:
        # Met or moot before it went out: a reminder for finished work is noise.
        Notice.objects.filter(pk=notice_id).update(cancelled_at=now, claimed_until=None)
        return "cancelled"
    try:
        limits.check(notice, now, held_until=now + LEASE)
    except Deferred as wait:
        # Not an attempt and not an error: the platform would drop it silently now, and take it then.
        Notice.objects.filter(pk=notice_id).update(
            claimed_until=wait.until, queued_at=None, attempts=F("attempts") - 1
        )
        return "deferred"
    try:
        SENDERS[notice.channel](notice)
    except Exception as exc:
        log.warning("notice %s via %s failed: %s", notice_id, notice.channel, exc)
        Notice.objects.filter(pk=notice_id).update(
            last_error=str(exc)[:2000], claimed_until=now + backoff(notice.attempts), queued_at=None
        )
        return "failed"
    Notice.objects.filter(pk=notice_id).update(sent_at=timezone.now(), claimed_until=None, last_error="")
    return "sent"


def deliver_in_app_now(now: dt.datetime | None = None) -> int:
    """In-app notices are delivered by existing: mark every pending one sent in one statement."""
    now = now or timezone.now()
    return Notice.objects.filter(
        channel=Notice.Channel.IN_APP, sent_at__isnull=True, cancelled_at__isnull=True
    ).update(sent_at=now, attempts=F("attempts") + 1)


def pending_ids(now: dt.datetime, limit: int = 5000) -> list[int]:
    """Unsent rows nobody is working on: new ones, failed ones whose backoff is over, lost tasks."""
    return list(
        Notice.objects.filter(sent_at__isnull=True, cancelled_at__isnull=True)
        .exclude(channel=Notice.Channel.IN_APP)
        .filter(attempts__lt=settings.NOTICE_MAX_ATTEMPTS)
        .filter(claims.requeue_due(now, after=REQUEUE_AFTER))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def queue_pending() -> int:
    """Hand pending rows to workers (or send them here without a broker). Never raises on a broker outage."""
    now = timezone.now()
    delivered = deliver_in_app_now(now)
    # Redis is asked once, with the cache's short timeout: a hung broker costs this sweep half a second, not
    # the broker's connection timeout and retries; while it is down the rows stay pending (the office's banner).
    if not broker_ready(ping=True):
        return delivered
    ids = pending_ids(now)
    if not ids:
        return delivered
    Notice.objects.filter(pk__in=ids).update(queued_at=now)
    queued = 0
    for notice_id in ids:
        try:
            sent = publish(deliver_notice_task, notice_id)
        except Exception as exc:
            log.error("could not queue notice %s: %s", notice_id, exc)
            sent = False
        if not sent:  # broker down: the rows stay pending and the next sweep queues them again
            log.error("broker unavailable, %s notices wait for the next sweep", len(ids) - queued)
            Notice.objects.filter(pk__in=ids[queued:]).update(queued_at=None)
            break
        queued += 1
    return delivered + queued


# Outgoing notices nobody has tried to send for this long: the broker or the worker is not doing its job.
DELAY_NOTICE_AFTER = dt.timedelta(minutes=5)


def delivery_delayed(now: dt.datetime | None = None) -> dict | None:
    """For the office's banner: email and robot notices waiting too long, or the broker known down; else None.

    One query on the partial index notice_pending (created_at of unsent, uncancelled rows), so it is cheap on
    every page: the rows it reads are only those still waiting. A row a channel refused (attempts > 0) is a
    failure with its own error, not a delay, and is left to the notice list; a row waiting for a person's
    platform cap to free (never tried, claimed until then) waits on purpose.
    """
    now = now or timezone.now()
    waiting = (
        Notice.objects.filter(sent_at__isnull=True, cancelled_at__isnull=True)
        .filter(created_at__lt=now - DELAY_NOTICE_AFTER, attempts=0)
        .exclude(channel=Notice.Channel.IN_APP)
        .exclude(claimed_until__gt=now)
        .aggregate(count=Count("pk"), oldest=Min("created_at"))
    )
    broker_down = broker_known_down()
    if not waiting["count"] and not broker_down:
        return None
    return {"count": waiting["count"], "oldest": waiting["oldest"], "broker_down": broker_down}


# --- channels ---------------------------------------------------------------------------------------------


def send_in_app(notice: Notice) -> None:
    """The row itself is the message in the bell."""


def send_email(notice: Notice) -> None:
    if not notice.recipient.email:
        raise DeliveryError("接收人没有邮箱地址")
    send_mail(notice.subject, _body(notice), settings.DEFAULT_FROM_EMAIL, [notice.recipient.email])


def webhook_request(endpoint: WebhookEndpoint, text: str, *, now: float | None = None) -> tuple[str, dict]:
    """The URL and JSON body each robot expects, signed when the endpoint has a secret."""
    now = time.time() if now is None else now
    url = endpoint.url
    if endpoint.flavor == WebhookEndpoint.Flavor.FEISHU:
        body: dict = {"msg_type": "text", "content": {"text": text}}
        if endpoint.secret:
            # Feishu: HMAC-SHA256 keyed with "timestamp\nsecret" over an empty message, base64.
            timestamp = str(int(now))
            key = f"{timestamp}\n{endpoint.secret}".encode()
            body |= {
                "timestamp": timestamp,
                "sign": base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode(),
            }
        return url, body
    body = {"msgtype": "text", "text": {"content": text}}
    if endpoint.flavor == WebhookEndpoint.Flavor.DINGTALK and endpoint.secret:
        # DingTalk: HMAC-SHA256 of "timestamp_ms\nsecret" keyed with the secret, base64, URL-encoded.
        timestamp = str(int(now * 1000))
        digest = hmac.new(
            endpoint.secret.encode(), f"{timestamp}\n{endpoint.secret}".encode(), hashlib.sha256
        )
        sign = urllib.parse.quote_plus(base64.b64encode(digest.digest()).decode())
        url = f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"
    return url, body


def send_webhook(notice: Notice) -> None:
    endpoint = notice.endpoint
    if not endpoint.is_active:
        raise DeliveryError("群机器人已停用")
    url, body = webhook_request(endpoint, _body(notice))
    if not url.startswith(("https://", "http://")):
        raise DeliveryError("Webhook 地址必须是 http(s)")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above; the URL is configured by the admin
        url, data=json.dumps(body, ensure_ascii=False).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:  # noqa: S310
        payload = response.read(65536)
    try:
        answer = json.loads(payload or b"{}")
    except ValueError:
        answer = {}
    # WeCom and DingTalk answer errcode 0, Feishu code 0 (or StatusCode 0); anything else is a failure.
    code = answer.get("errcode", answer.get("code", answer.get("StatusCode", 0)))
    if code not in (0, "0", None):
        raise DeliveryError(f"机器人返回错误：{answer.get('errmsg') or answer.get('msg') or code}")


SENDERS = {
    Notice.Channel.IN_APP: send_in_app,
    Notice.Channel.EMAIL: send_email,
    Notice.Channel.WEBHOOK: send_webhook,
    Notice.Channel.WECOM: wecom.send,
    Notice.Channel.DINGTALK: dingtalk.send,
    Notice.Channel.SMS: sms.send,
}
