"""The banner every page shows while a key monitoring period is active (第八条): no query on a normal page view,
the active periods are remembered per day (monitoring.selectors.periods_from)."""

from . import selectors


def key_period(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"key_periods": selectors.active_periods()}
