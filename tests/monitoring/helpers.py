"""Periods, rosters and clocks for the 重点监测 tests."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from monitoring import services
from monitoring.models import KeyMonitoringPeriod

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def period(
    org, start: dt.date, end: dt.date, *, name="全国两会", kind=KeyMonitoringPeriod.Kind.POLITICAL, **kw
):
    with time_machine.travel(at(start.year, start.month, start.day, 0, 1) - dt.timedelta(days=1), tick=False):
        return services.period_create(
            actor=org.p.clerk, name=name, kind=kind, start_date=start, end_date=end, **kw
        )
