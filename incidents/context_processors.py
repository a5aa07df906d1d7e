"""What every page shows: the bell's unread count and, for the office, a stopped scheduler."""

from departments.roles import Role
from departments.selectors import roles_of

from . import engine, selectors


def bell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = roles_of(user)
    context = {
        "unread_notices": selectors.unread_notice_count(user),
        "is_office": Role.OFFICE in roles,
        "is_admin_office": Role.ADMIN_OFFICE in roles,
        "is_leader": bool(roles & {Role.LEADERSHIP, Role.TOP_LEADERS, Role.SUPERVISING_LEADERS}),
        "is_department": bool(roles & {Role.DEPARTMENT_HEADS, Role.LIAISONS}),
    }
    if Role.OFFICE in roles or user.is_superuser:
        # A silent scheduler is the worst failure of this system: the office must see it at once.
        context["scheduler"] = engine.scheduler_status()
    return context
