"""What the apps above incidents add to its notices and reminders, asked without importing them.

第八条 重点监测 lives in monitoring, above incidents: during a key period the person on duty also hears the
level-2 and level-1 notices, and deadlines are reminded earlier. incidents asks here; monitoring registers its
answers in its AppConfig.ready(). With nothing registered the answers are "nobody" and "no longer lead".
"""

import datetime as dt
from collections.abc import Callable

_duty_providers: list[Callable[[dt.datetime], list]] = []
_lead_providers: list[Callable[[dt.datetime], int]] = []


def register_duty_recipients(provider: Callable[[dt.datetime], list]) -> None:
    """provider(moment) → the users on duty at that moment."""
    if provider not in _duty_providers:
        _duty_providers.append(provider)


def register_reminder_lead(provider: Callable[[dt.datetime], int]) -> None:
    """provider(due_at) → minutes before due_at that a reminder should go out (0: no opinion)."""
    if provider not in _lead_providers:
        _lead_providers.append(provider)


def duty_recipients(moment: dt.datetime) -> list:
    return [user for provider in _duty_providers for user in provider(moment)]


def reminder_lead_minutes(due_at: dt.datetime) -> int:
    return max((provider(due_at) for provider in _lead_providers), default=0)
