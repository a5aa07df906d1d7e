"""Every permission decision about joint meetings and their risk items.

- The office (党群工作部) convenes meetings and records their minutes (第四条: the office organises the
  leadership group's work); nobody else does.
- The office, the leadership group and the top leaders (who lead the group, 第三条) see every meeting.
- An attendee sees the meetings they attend. Anybody else gets 404, as if the meeting did not exist.
- Of the incidents a meeting discussed, a person sees (number, title, decision) only those incidents.access
  lets them see.
- A risk item is seen by its owner and by who sees every meeting; only its owner marks it done.
"""

from django.db.models import QuerySet
from django.http import Http404

from departments.access import is_office, roles_of
from departments.roles import Role
from incidents import access as incident_access
from opinion_system.errors import NotAllowed

from .models import JointMeeting, MeetingAttachment, RiskItem

SEE_ALL_MEETINGS = frozenset({Role.OFFICE, Role.LEADERSHIP, Role.TOP_LEADERS})


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def sees_all_meetings(user) -> bool:
    return _active(user) and bool(user.is_superuser or roles_of(user) & SEE_ALL_MEETINGS)


def may_convene(user) -> bool:
    return _active(user) and is_office(user)


def may_see_menu(user) -> bool:
    """联席会议 in the navigation: the office and the leadership group."""
    return sees_all_meetings(user)


def meetings_visible_to(user) -> QuerySet[JointMeeting]:
    meetings = JointMeeting.objects.all()
    if not _active(user):
        return meetings.none()
    if sees_all_meetings(user):
        return meetings
    return meetings.filter(attendees=user)


def require_convene(user) -> None:
    if not may_convene(user):
        raise NotAllowed("只有领导小组办公室（党群工作部）可以召集联席会议和登记会议纪要。")


def access_meeting(user, pk, *, record: bool = False) -> JointMeeting:
    """The meeting if the user may see it (404 otherwise); 403 to record its minutes unless the office."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("会议不存在") from None
    meeting = (
        meetings_visible_to(user)
        .select_related("convened_by", "minutes_by", "cancelled_by", "special_incident")
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        raise Http404("会议不存在")
    if record:
        require_convene(user)
    return meeting


def visible_incident_ids(user, incident_ids: set[int]) -> set[int]:
    """Which of a meeting's incidents this person may see named (one query, none for who sees all)."""
    if not incident_ids:
        return set()
    if incident_access.sees_all(user):
        return set(incident_ids)
    return incident_access.incident_ids_visible(user, set(incident_ids))


def risk_items_visible_to(user) -> QuerySet[RiskItem]:
    items = RiskItem.objects.all()
    if not _active(user):
        return items.none()
    if sees_all_meetings(user):
        return items
    return items.filter(owner=user)


def access_risk_item(user, pk) -> RiskItem:
    """The item for its owner to mark done: 404 if not seen, 403 if seen but someone else's."""
    item = risk_items_visible_to(user).select_related("meeting", "owner").filter(pk=pk).first()
    if item is None:
        raise Http404("排查事项不存在")
    if item.owner_id != user.pk:
        raise NotAllowed("只有责任人本人可以办结该排查事项。")
    return item


def attachment_visible(user, attachment: MeetingAttachment) -> bool:
    return meetings_visible_to(user).filter(pk=attachment.meeting_id).exists()
