"""Every write of notifications: the outbox rows of a message, reading notices, cancelling unsent ones.

Rows are written in the caller's transaction with a unique dedupe key, so writing the same notice twice (two
sweeps, a retried task) leaves one row. Delivery is notifications.delivery's job.

This app sits below incidents: a Message carries the incident and deadline it is about as model instances (or
None) and the link the caller built, so nothing here imports incidents.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils import timezone

from departments.models import User

from .models import Notice, WebhookEndpoint
from .selectors import NoticeFilter, notice_list


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
