"""Every read of notifications that is more than a `get`: a person's notices (the bell) and the robots to tell.

Whether a person may still see the incident a notice is about is incidents' decision (incidents.access), and
this app sits below incidents: the project names that function in settings.NOTICE_VISIBLE_INCIDENTS, so the
dependency is wired at the top and the import contract holds.
"""

from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.module_loading import import_string

from .models import Notice, WebhookEndpoint

NOTICE_HIDDEN_SUBJECT = "（该舆情已移交其他部门，通知内容不再显示）"


def notice_list(*, user) -> QuerySet[Notice]:
    """The user's in-app notices (the bell), newest first; cancelled reminders are not shown."""
    return Notice.objects.filter(
        recipient=user, channel=Notice.Channel.IN_APP, cancelled_at__isnull=True
    ).select_related("incident")


def notice_list_as_seen(*, user, notices) -> list[Notice]:
    """A notice about an incident the user may no longer see (moved to another department) keeps its kind and
    time, not the incident's title or link; the row itself stays as it was sent."""
    notices = list(notices)
    ids = {n.incident_id for n in notices if n.incident_id}
    if ids:
        visible = import_string(settings.NOTICE_VISIBLE_INCIDENTS)(user, ids)
        for notice in notices:
            if notice.incident_id and notice.incident_id not in visible:
                notice.subject, notice.text, notice.link = NOTICE_HIDDEN_SUBJECT, "", ""
    return notices


def notice_count_unread(*, user) -> int:
    """The bell's count, read live on every page."""
    return notice_list(user=user).filter(read_at__isnull=True).count()


def endpoint_list_for(*, department_ids: Iterable[int], roles: Iterable[str]) -> list[WebhookEndpoint]:
    """Active group robots of these departments or roles (one query)."""
    department_ids, roles = list(department_ids), [str(r) for r in roles]
    if not department_ids and not roles:
        return []
    return list(
        WebhookEndpoint.objects.filter(is_active=True).filter(
            Q(department_id__in=department_ids) | Q(role__in=roles)
        )
    )
