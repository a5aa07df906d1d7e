"""The office's scheduler banner on every page says what engine.scheduler_status says; only the office reads it."""

import datetime as dt

import pytest
import time_machine
from django.test import RequestFactory
from django.utils import timezone

from incidents import engine, selectors
from incidents.context_processors import scheduler, scheduler_banner
from incidents.models import SchedulerHeartbeat


@pytest.mark.parametrize("minutes_ago", [None, 0, 4, 6, 60])
def test_the_banner_agrees_with_the_scheduler_status(db, minutes_ago):
    now = timezone.now()
    if minutes_ago is not None:
        SchedulerHeartbeat.objects.update_or_create(
            pk=1, defaults={"last_sweep_at": now - dt.timedelta(minutes=minutes_ago)}
        )
    with time_machine.travel(now, tick=False):
        last_sweep_at = selectors.sweep_last_at()
        status = engine.scheduler_status()
        assert scheduler_banner(last_sweep_at) == {
            "ok": status["ok"],
            "last_sweep_at": status["last_sweep_at"],
        }


def test_only_the_office_reads_the_scheduler(org):
    SchedulerHeartbeat.objects.update_or_create(pk=1, defaults={"last_sweep_at": timezone.now()})
    request = RequestFactory().get("/")
    request.user = org.p.clerk
    assert scheduler(request)["scheduler"]["last_sweep_at"] is not None
    request.user = org.p.xsc_liaison
    assert scheduler(request) == {}
