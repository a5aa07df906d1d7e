"""Rows of work for a worker (an outgoing notice, an archive job): who may take one, when it is queued again.

A worker takes a row with one conditional UPDATE that sets `claimed_until` (the end of its lease) and counts
the attempt only where nobody holds the row, and the database tells it whether it won: of two workers, a task
Redis delivered twice or a copy queued again, exactly one runs and the others change nothing. A worker killed
mid-job holds its row only until the lease ends. The sweep queues a row again once nobody holds it and its
queue mark (`queued_at`) is missing or older than the caller's limit (the broker lost the task, or was down).

The rows have `claimed_until`, `attempts` and `queued_at`. What else makes a row claimable (unsent, not
failed, fewer attempts than allowed) is the caller's filter; the lease and the re-queue limit are the
caller's too, each with the reason for its value.
"""

import datetime as dt

from django.db.models import F, Q, QuerySet


def free(now: dt.datetime) -> Q:
    """Rows nobody holds: never claimed, given back, or their holder's lease is over."""
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def requeue_due(now: dt.datetime, *, after: dt.timedelta) -> Q:
    """Free rows that no live task is on its way to: never queued, or queued longer than `after` ago."""
    return free(now) & (Q(queued_at__isnull=True) | Q(queued_at__lt=now - after))


def claim(rows: QuerySet, *, now: dt.datetime, lease: dt.timedelta, **changes) -> dt.datetime | None:
    """Take the row of `rows` if it is free, counting the attempt and writing `changes` in the same UPDATE.

    Returns the end of the lease (the proof of holding it, for `renew`), or None when another holds it.
    """
    until = now + lease
    taken = rows.filter(free(now)).update(claimed_until=until, attempts=F("attempts") + 1, **changes)
    return until if taken else None


def renew(
    rows: QuerySet, *, held: dt.datetime, now: dt.datetime, lease: dt.timedelta, **changes
) -> dt.datetime | None:
    """Extend the lease ending at `held` (writing `changes` with it); None when the row was taken over."""
    until = now + lease
    moved = rows.filter(claimed_until=held).update(claimed_until=until, **changes)
    return until if moved else None
