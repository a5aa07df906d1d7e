"""Every read of notifications that is more than a `get`: a person's notices (the bell) and the robots to tell.

Whether a person may still see the incident a notice is about is incidents' decision (incidents.access), and
this app sits below incidents: the project names that function in settings.NOTICE_VISIBLE_INCIDENTS, so the
dependency is wired at the top and the import contract holds.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, F, Max, Q, QuerySet, Window
from django.db.models.functions import RowNumber
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
            notice.hidden = bool(notice.incident_id and notice.incident_id not in visible)
            if notice.hidden:
                notice.subject, notice.text, notice.link = NOTICE_HIDDEN_SUBJECT, "", ""
    return notices


# The group of notices about no incident (meetings, bulletins, 零报告) is asked for with this id.
NO_INCIDENT = 0


@dataclass(frozen=True)
class NoticeFilter:
    """What the bell page shows: only unread or all, one kind or every kind, one incident's group or all."""

    unread_only: bool = False
    kind: str = ""
    group: int | None = None  # an incident's id, NO_INCIDENT, or None for every group

    def apply(self, notices: QuerySet[Notice]) -> QuerySet[Notice]:
        if self.unread_only:
            notices = notices.filter(read_at__isnull=True)
        if self.kind:
            notices = notices.filter(kind=self.kind)
        if self.group == NO_INCIDENT:
            notices = notices.filter(incident__isnull=True)
        elif self.group is not None:
            notices = notices.filter(incident_id=self.group)
        return notices


def notice_filtered(*, user, where: NoticeFilter) -> QuerySet[Notice]:
    return where.apply(notice_list(user=user))


@dataclass
class NoticeGroup:
    """The notices of one incident (or of none) on the bell page, newest first."""

    incident_id: int | None
    total: int
    unread: int
    notices: list[Notice] = field(default_factory=list)

    @property
    def incident(self):
        return self.notices[0].incident if self.notices else None

    @property
    def hidden(self) -> bool:
        """The incident went to another department: its number and title are no longer this person's to read."""
        return bool(self.notices) and getattr(self.notices[0], "hidden", False)

    @property
    def more(self) -> int:
        return self.total - len(self.notices)

    @property
    def key(self) -> int:
        return self.incident_id or NO_INCIDENT


def notice_group_rows(notices: QuerySet[Notice]) -> QuerySet:
    """One row per incident (and one for the notices about none), the group with the newest notice first.

    Paginated by the page, so a person with thousands of notices reads one page of groups (one query, plus the
    paginator's count) whatever their number."""
    return (
        notices.select_related(None)
        .order_by()
        .values("incident_id")
        .annotate(
            latest=Max("created_at"),
            last_id=Max("id"),
            total=Count("id"),
            unread=Count("id", filter=Q(read_at__isnull=True)),
        )
        .order_by("-latest", "-last_id")
    )


def notice_groups(*, user, notices: QuerySet[Notice], rows, per_group: int) -> list[NoticeGroup]:
    """The page's groups with the newest `per_group` notices of each: one query for all of them (a window
    function numbers each group's notices), one more for which incidents the user may still see."""
    groups = [NoticeGroup(r["incident_id"], r["total"], r["unread"]) for r in rows]
    if not groups:
        return []
    ids = [g.incident_id for g in groups if g.incident_id is not None]
    wanted = Q(incident_id__in=ids)
    if len(ids) < len(groups):
        wanted |= Q(incident__isnull=True)
    rank = Window(
        RowNumber(), partition_by=[F("incident_id")], order_by=[F("created_at").desc(), F("id").desc()]
    )
    shown = (
        notices.filter(wanted).annotate(rank=rank).filter(rank__lte=per_group).order_by("-created_at", "-id")
    )
    by_group = {g.incident_id: g for g in groups}
    for notice in notice_list_as_seen(user=user, notices=shown):
        by_group[notice.incident_id].notices.append(notice)
    return groups


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
