"""A platform's caps per person, kept by us: WeCom and DingTalk drop the excess silently, so we never send it.

Before a send, the person's sent rows of that channel in each window are counted (the outbox is the record;
index notice_person_sent), together with rows of theirs other workers are sending right now (not those that
are only waiting for the window, which would otherwise hold each other back). The count runs
under a lock on the person's row, so two workers cannot both take the last free place; the lock is held for the
count only, never during the HTTP call. Over a cap, the row waits until the window frees (delivery: not an
attempt, not an error) and the sweep sends it then.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from departments.models import User

from ..models import Notice
from .common import Deferred


@dataclass(frozen=True)
class Window:
    count: int
    span: dt.timedelta | None = None  # a rolling window; None: the calendar day in Asia/Shanghai

    def start(self, now: dt.datetime) -> dt.datetime:
        if self.span is not None:
            return now - self.span
        local = now.astimezone(ZoneInfo(settings.TIME_ZONE))
        return local.replace(hour=0, minute=0, second=0, microsecond=0)

    def frees_at(self, now: dt.datetime, oldest_counted: dt.datetime) -> dt.datetime:
        if self.span is not None:
            return oldest_counted + self.span
        return self.start(now) + dt.timedelta(days=1)  # midnight, Beijing time (DST-free zone)


# 企业微信: 30 messages a minute and 1,000 an hour to one member; DingTalk: 500 work notices a day to one person.
CAPS: dict[str, tuple[Window, ...]] = {
    Notice.Channel.WECOM: (Window(30, dt.timedelta(minutes=1)), Window(1000, dt.timedelta(hours=1))),
    Notice.Channel.DINGTALK: (Window(500),),
}


def check(notice: Notice, now: dt.datetime, *, held_until: dt.datetime) -> None:
    """Raise Deferred when sending `notice` now would pass one of its channel's caps for its recipient."""
    windows = CAPS.get(notice.channel)
    if not windows:
        return
    mine = Notice.objects.filter(recipient_id=notice.recipient_id, channel=notice.channel)
    with transaction.atomic():
        # Serialises the counts of one person's rows between workers (SQLite has one writer at a time anyway).
        list(User.objects.select_for_update().filter(pk=notice.recipient_id).values_list("pk"))
        # Another worker's row in flight holds a claim like ours, counted as an attempt. A row waiting out a cap
        # holds a claim too but no attempt (deliver gives it back): counting those would let a burst of waiting
        # rows hold each other back for good; a row waiting out a failure's backoff has its error.
        in_flight = (
            mine.filter(sent_at__isnull=True, cancelled_at__isnull=True, claimed_until__gt=now, last_error="")
            .filter(attempts__gt=0)
            .exclude(pk=notice.pk)
            .count()
        )
        latest = max(windows, key=lambda w: w.count).count
        oldest_start = min(w.start(now) for w in windows)
        sent = list(
            mine.filter(sent_at__gte=oldest_start)
            .order_by("-sent_at")
            .values_list("sent_at", flat=True)[:latest]
        )
    for window in windows:
        start = window.start(now)
        in_window = [t for t in sent if t >= start]
        if len(in_window) + in_flight < window.count:
            continue
        free = window.count - in_flight - 1  # the sent row whose leaving makes room for this one
        until = window.frees_at(now, in_window[free]) if 0 <= free < len(in_window) else held_until
        raise Deferred(max(until, now + dt.timedelta(seconds=1)))
