"""What every page shows the office: a stopped scheduler (the bell: notifications.context_processors; the menu:
opinion_system.context_processors)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from departments.access import is_office

from . import selectors


def scheduler(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # A silent scheduler is the worst failure of this system: the office must see it at once.
    if not (is_office(user) or user.is_superuser):
        return {}
    return {"scheduler": scheduler_banner(selectors.sweep_last_at())}  # read live, never cached


def scheduler_banner(last_sweep_at: dt.datetime | None) -> dict:
    """engine.scheduler_status's verdict from the time read on the page (a test holds the two together)."""
    stale_after = dt.timedelta(minutes=settings.SCHEDULER_STALE_MINUTES)
    ok = last_sweep_at is not None and timezone.now() - last_sweep_at <= stale_after
    return {"ok": ok, "last_sweep_at": last_sweep_at}
