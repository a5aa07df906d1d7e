"""Reads about incidents; every one starts from access.incidents_visible_to."""

from django.db.models import QuerySet

from . import access
from .models import Deadline, Incident, Notice


def incident_list(user) -> QuerySet[Incident]:
    """The user's incidents with what a list row shows, in a constant number of queries."""
    return access.incidents_visible_to(user).select_related("responsible_department", "reporter")


def open_deadlines_for(user) -> QuerySet[Deadline]:
    return (
        Deadline.objects.filter(state=Deadline.State.OPEN, incident__in=access.incidents_visible_to(user))
        .select_related("incident")
        .order_by("due_at")
    )


def my_notices(user) -> QuerySet[Notice]:
    """The user's in-app notices (the bell), newest first; cancelled reminders are not shown."""
    return Notice.objects.filter(
        recipient=user, channel=Notice.Channel.IN_APP, cancelled_at__isnull=True
    ).select_related("incident")


def unread_notice_count(user) -> int:
    return my_notices(user).filter(read_at__isnull=True).count()


def incident_timeline(incident: Incident):
    return incident.events.select_related("actor").order_by("created_at", "id")
