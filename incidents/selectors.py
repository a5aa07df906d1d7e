"""Reads about incidents; every one starts from access.incidents_visible_to."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from . import access
from .models import Deadline, Incident, Notice


def incident_list(user) -> QuerySet[Incident]:
    """The user's incidents with what a list row shows, in a constant number of queries."""
    return access.incidents_visible_to(user).select_related("responsible_department", "reporter")


def open_deadlines_for(user) -> QuerySet[Deadline]:
    return (
        Deadline.objects.filter(state=Deadline.State.OPEN, incident__in=access.incidents_visible_to(user))
        .select_related("incident")
        .order_by("due_at")
    )


def my_notices(user) -> QuerySet[Notice]:
    """The user's in-app notices (the bell), newest first; cancelled reminders are not shown."""
    return Notice.objects.filter(
        recipient=user, channel=Notice.Channel.IN_APP, cancelled_at__isnull=True
    ).select_related("incident")


def unread_notice_count(user) -> int:
    return my_notices(user).filter(read_at__isnull=True).count()


def incident_timeline(incident: Incident):
    return incident.events.select_related("actor").order_by("created_at", "id")


@dataclass(frozen=True)
class Measure:
    """第一时间: how long a step took against the expected minutes (shown, never blocking)."""

    label: str
    started_at: dt.datetime
    done_at: dt.datetime | None
    expected_minutes: int

    @property
    def minutes(self) -> int | None:
        end = self.done_at or timezone.now()
        return int((end - self.started_at).total_seconds() // 60)

    @property
    def late(self) -> bool:
        return self.minutes > self.expected_minutes


ALERTS = {
    "level_alert": "研判/升级后通知党政办",
    "level_one_alert": "一级舆情通知学校党政主要领导",
}


def first_time_measures(incident: Incident) -> list[Measure]:
    """From discovery to the office; from a level-2/1 decision to the notices reaching 党政办 / top leaders."""
    measures = [
        Measure(
            "发现到上报党群工作部",
            incident.discovered_at,
            incident.reported_at,
            settings.FIRST_REPORT_EXPECTED_MINUTES,
        )
    ]
    rows = Notice.objects.filter(
        incident=incident, kind__in=ALERTS, channel=Notice.Channel.IN_APP
    ).values_list("kind", "dedupe_key", "created_at", "sent_at")
    events: dict[str, list] = {}
    for kind, key, created, sent in rows:
        # One measure per alert event (the key's prefix), done when every recipient has it.
        events.setdefault(key.rsplit(":", 2)[0], []).append((kind, created, sent))
    for items in sorted(events.values(), key=lambda items: items[0][1]):
        sent = [item[2] for item in items]
        done = None if None in sent else max(sent)
        measures.append(
            Measure(ALERTS[items[0][0]], items[0][1], done, settings.LEVEL_ALERT_EXPECTED_MINUTES)
        )
    return measures
