"""The bell on every page: the unread count and, for the office, email and robot notices that are late."""

from departments.access import is_office

from . import delivery, selectors


def bell(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    context = {"unread_notices": selectors.notice_count_unread(user=user)}  # read live, never cached
    if is_office(user) or user.is_superuser:
        # Email and robots wait for Redis (the broker); the office must know that people were not reached.
        context["delivery_delayed"] = delivery.delivery_delayed()
    return context
