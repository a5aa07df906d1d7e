"""What every page shows: the bell's unread count and, for the office, a stopped scheduler."""

from departments.roles import Role
from departments.selectors import roles_of

from . import engine, selectors


def bell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context = {"unread_notices": selectors.unread_notice_count(user)}
    if Role.OFFICE in roles_of(user) or user.is_superuser:
        # A silent scheduler is the worst failure of this system: the office must see it at once.
        context["scheduler"] = engine.scheduler_status()
    return context
