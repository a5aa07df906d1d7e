"""Writing notices: one outbox row per recipient and channel, plus one per matching group robot.

Rows are written in the caller's transaction with a unique dedupe key, so writing the same notice twice (two
sweeps, a retried task) leaves one row. Delivery is incidents.delivery's job.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from departments.models import User

from .models import Deadline, Incident, Notice, WebhookEndpoint


@dataclass(frozen=True)
class Message:
    kind: str
    subject: str
    text: str
    incident: Incident
    key: str  # what makes this message unique: the event or the deadline stage
    created_at: dt.datetime
    deadline: Deadline | None = None


def build_rows(
    message: Message,
    recipients: Iterable[User],
    endpoints: Iterable[WebhookEndpoint] = (),
) -> list[Notice]:
    """The outbox rows for one message (no query: recipients and endpoints are given)."""
    channels = set(settings.NOTICE_CHANNELS)
    common = {
        "kind": message.kind,
        "incident": message.incident,
        "deadline": message.deadline,
        "subject": message.subject[:200],
        "text": message.text,
        "link": f"/incidents/{message.incident.pk}/",
        "created_at": message.created_at,
    }
    rows = []
    for user in {u.pk: u for u in recipients}.values():
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


def endpoints_for(department_ids: Iterable[int], roles: Iterable[str]) -> list[WebhookEndpoint]:
    """Active group robots of these departments or roles (one query)."""
    from django.db.models import Q

    department_ids, roles = list(department_ids), [str(r) for r in roles]
    if not department_ids and not roles:
        return []
    return list(
        WebhookEndpoint.objects.filter(is_active=True).filter(
            Q(department_id__in=department_ids) | Q(role__in=roles)
        )
    )


def save_rows(rows: list[Notice]) -> None:
    # ignore_conflicts: a row already written under the same key stays as it is (exactly once).
    Notice.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
