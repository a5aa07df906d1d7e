"""Every read of joint meetings that is more than a `get`; lists in a constant number of queries."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from incidents.models import Incident

from . import access
from .models import JointDecision, JointMeeting, MeetingAttachment, RiskItem


def meeting_list(*, meetings: QuerySet[JointMeeting]) -> QuerySet[JointMeeting]:
    """The meetings with their counts (one query)."""
    return meetings.select_related("convened_by").annotate(
        incident_count=Count("incidents", distinct=True),
        open_risk_count=Count("risk_items", filter=Q(risk_items__done_at__isnull=True), distinct=True),
    )


@dataclass
class MeetingRecord:
    """A meeting as one person may read it: the incidents and decisions they may see, and how many others."""

    meeting: JointMeeting
    attendees: list
    departments: list
    incidents: list[Incident]
    hidden_incidents: int
    decisions: list[JointDecision]
    risks: list[RiskItem]
    attachments: list[MeetingAttachment]


def meeting_record(*, meeting: JointMeeting, viewer) -> MeetingRecord:
    incidents = list(meeting.incidents.select_related("responsible_department").order_by("number"))
    visible = access.visible_incident_ids(viewer, {i.pk for i in incidents})
    decisions = [
        d
        for d in meeting.decisions.select_related("incident").order_by("incident__number")
        if d.incident_id in visible
    ]
    return MeetingRecord(
        meeting=meeting,
        attendees=list(meeting.attendees.select_related("department").order_by("username")),
        departments=list(meeting.invited_departments.order_by("sort_order", "id")),
        incidents=[i for i in incidents if i.pk in visible],
        hidden_incidents=sum(1 for i in incidents if i.pk not in visible),
        decisions=decisions,
        risks=list(meeting.risk_items.select_related("owner", "done_by").order_by("due_on", "id")),
        attachments=list(meeting.attachments.all()),
    )


def risk_item_list(*, items: QuerySet[RiskItem], open_only: bool = False) -> QuerySet[RiskItem]:
    if open_only:
        items = items.filter(done_at__isnull=True)
    return items.select_related("owner", "meeting", "done_by").order_by("done_at", "due_on", "id")


def attachment_get(*, pk: int) -> MeetingAttachment | None:
    return MeetingAttachment.objects.filter(pk=pk).first()
