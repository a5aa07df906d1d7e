"""Every write of notifications: the outbox rows of a message, reading notices, cancelling unsent ones.

Rows are written in the caller's transaction with a unique dedupe key, so writing the same notice twice (two
sweeps, a retried task) leaves one row. Delivery is notifications.delivery's job.

This app sits below incidents: a Message carries the incident and deadline it is about as model instances (or
None) and the link the caller built, so nothing here imports incidents.
"""

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone

from departments.models import User

from .models import Notice, WebhookEndpoint
from .selectors import NoticeFilter, notice_list

# 第十条: a level-1 incident is reported to the leadership at once and exchanged round the clock, and 督办 (an
# overdue deadline escalated to the supervising leader and the office) cannot wait for someone to open a page:
# these go by SMS too. Every other notice stays off the phone bill. The level-1 deadlines are named by their
# kind (incidents' Deadline.Kind: round_the_clock and the duty_* deadlines of 第九条、第十条 一级).
SMS_KINDS = frozenset({"level_one_alert", "deadline_escalation", "risk_escalation"})
SMS_DEADLINE_KINDS = ("deadline_reminder", "deadline_overdue")
LEVEL_ONE_DEADLINES = ("round_the_clock", "duty_")
MOBILE = re.compile(r"^(\+?86)?1\d{10}$")  # an SMS goes to a mobile number, not the office's landline


def is_urgent(message: "Message") -> bool:
    """Whether the message also goes by SMS (第十条: level 1 and 督办)."""
    if message.kind in SMS_KINDS:
        return True
    kind = getattr(message.deadline, "kind", "")
    return message.kind in SMS_DEADLINE_KINDS and kind.startswith(LEVEL_ONE_DEADLINES)


def mobile(user: User) -> str:
    phone = re.sub(r"[\s-]", "", user.phone or "")
    return phone if MOBILE.match(phone) else ""


@dataclass(frozen=True)
class Message:
    kind: str
    subject: str
    text: str
    incident: models.Model  # an incidents.Incident
    key: str  # what makes this message unique: the event or the deadline stage
    created_at: dt.datetime
    link: str  # the incident's page, built by incidents
    deadline: models.Model | None = None  # an incidents.Deadline


def build_rows(
    message: Message,
    recipients: Iterable[User],
    endpoints: Iterable[WebhookEndpoint] = (),
    *,
    actor: User | None,
) -> list[Notice]:
    """The outbox rows for one message (no query: recipients and endpoints are given).

    `actor` is the person whose action the message reports (None for the sweeps' reminders): nobody is told
    of their own action, neither in the bell nor by e-mail. A group robot speaks to a department or a role,
    not to the actor, and keeps the message. Keyword-only and required, so a new caller has to say who acted.
    """
    channels = set(settings.NOTICE_CHANNELS)
    common = {
        "kind": message.kind,
        "incident": message.incident,
        "deadline": message.deadline,
        "subject": message.subject[:200],
        "text": message.text,
        "link": message.link,
        "created_at": message.created_at,
    }
    rows = []
    urgent = is_urgent(message)
    people = {u.pk: u for u in recipients}
    if actor is not None:
        people.pop(actor.pk, None)
    for user in people.values():
        rows.append(
            # In-app is delivered by existing: the bell shows it the moment the transaction commits.
            Notice(
                recipient=user,
                channel=Notice.Channel.IN_APP,
                dedupe_key=f"{message.key}:{user.pk}:in_app",
                sent_at=message.created_at,
                **common,
            )
        )
        if Notice.Channel.EMAIL in channels and user.email:
            rows.append(
                Notice(
                    recipient=user,
                    channel=Notice.Channel.EMAIL,
                    dedupe_key=f"{message.key}:{user.pk}:email",
                    **common,
                )
            )
        # A person's own platform accounts: each channel only when configured (it needs credentials) and
        # the person has the account; SMS only for the urgent kinds.
        person_channels = (
            (Notice.Channel.WECOM, user.wecom_userid),
            (Notice.Channel.DINGTALK, user.dingtalk_userid),
            (Notice.Channel.SMS, urgent and mobile(user)),
        )
        for channel, address in person_channels:
            if channel in channels and address:
                rows.append(
                    Notice(
                        recipient=user,
                        channel=channel,
                        dedupe_key=f"{message.key}:{user.pk}:{channel}",
                        **common,
                    )
                )
    if Notice.Channel.WEBHOOK in channels:
        for endpoint in {e.pk: e for e in endpoints}.values():
            rows.append(
                Notice(
                    endpoint=endpoint,
                    channel=Notice.Channel.WEBHOOK,
                    dedupe_key=f"{message.key}:hook{endpoint.pk}:webhook",
                    **common,
                )
            )
    return rows


def save_rows(rows: list[Notice]) -> None:
    # ignore_conflicts: a row already written under the same key stays as it is (exactly once).
    Notice.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)


def notice_cancel_unsent(*, deadline, now: dt.datetime) -> None:
    """A deadline met or moot stops its notices at once, also those written but not yet delivered."""
    Notice.objects.filter(deadline=deadline, sent_at__isnull=True, cancelled_at__isnull=True).update(
        cancelled_at=now
    )


def notice_cancel_unsent_by_key(*, prefix: str, now: dt.datetime) -> None:
    """Work done before its notices went out (an app's own chain, not an incident's Deadline): stop them."""
    Notice.objects.filter(
        dedupe_key__startswith=prefix, sent_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=now)


def notice_mark_read(
    *,
    user,
    notice_id: int | None = None,
    where: NoticeFilter | None = None,
    upto: dt.datetime | None = None,
) -> int:
    """Mark one of the user's notices read, or all the unread ones the filter shows; returns how many changed.

    One id that is not the user's own (another's, cancelled, or none at all) raises Notice.DoesNotExist: the
    page answers 404 and tells nobody whether it exists. Marking twice changes nothing the second time. `upto`
    is when the page was drawn: a notice that arrived after it was not seen and stays unread.
    """
    notices = notice_list(user=user)
    if notice_id is not None:
        changed = notices.filter(pk=notice_id, read_at__isnull=True).update(read_at=timezone.now())
        if not changed and not notices.filter(pk=notice_id).exists():
            raise Notice.DoesNotExist("通知不存在")
        return changed
    notices = (where or NoticeFilter()).apply(notices).filter(read_at__isnull=True)
    if upto is not None:
        notices = notices.filter(created_at__lte=upto)
    return notices.update(read_at=timezone.now())
