"""Who, why and when for the next history row django-simple-history writes of an object — every app's services
call it before a save, also outside a request (the sweep, the demo data, a management command)."""

from opinion_system import clock


def stamp(obj, *, actor, reason: str) -> None:
    obj._history_user = actor
    obj._change_reason = reason[:100]  # simple-history's column
    obj._history_date = clock.now()
