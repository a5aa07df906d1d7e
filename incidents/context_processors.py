"""What every page shows: the bell's unread count and, for the office, a stopped scheduler or delayed notices
(the menu: opinion_system.context_processors)."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from departments.access import is_office

from . import delivery, selectors


def bell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # A silent scheduler is the worst failure of this system: the office must see it at once.
    office = is_office(user) or user.is_superuser
    unread, last_sweep_at = selectors.bell_get(user=user, with_scheduler=office)  # read live, never cached
    context = {"unread_notices": unread}
    if office:
        context["scheduler"] = scheduler_banner(last_sweep_at)
        # Email and robots wait for Redis (the broker); the office must know that people were not reached.
        context["delivery_delayed"] = delivery.delivery_delayed()
    return context


def scheduler_banner(last_sweep_at: dt.datetime | None) -> dict:
    """engine.scheduler_status's verdict from the time read with the bell (a test holds the two together)."""
    stale_after = dt.timedelta(minutes=settings.SCHEDULER_STALE_MINUTES)
    ok = last_sweep_at is not None and timezone.now() - last_sweep_at <= stale_after
    return {"ok": ok, "last_sweep_at": last_sweep_at}
