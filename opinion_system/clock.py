"""The one clock of the workflow and its history: timezone.now(), which tests move with time-machine.

`travel()` lets the demo seeder lay down a history in the past through the same services.
"""

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

_offset: contextvars.ContextVar[dt.timedelta] = contextvars.ContextVar("clock_offset", default=dt.timedelta())


def now() -> dt.datetime:
    return timezone.now() + _offset.get()


@contextlib.contextmanager
def travel(moment: dt.datetime) -> Iterator[None]:
    token = _offset.set(moment - timezone.now())
    try:
        yield
    finally:
        _offset.reset(token)


def start_of_local_day(moment: dt.datetime, *, days_later: int = 0) -> dt.datetime:
    """Midnight in Asia/Shanghai (the setting's zone) at the start of the local date of `moment` + days."""
    zone = timezone.get_default_timezone()  # the college's calendar, whatever zone a request activated
    day = timezone.localtime(moment, zone).date() + dt.timedelta(days=days_later)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), zone)
