"""Every permission decision about incidents; views, admin, services and tasks all ask here.

Who sees what (第三条–第五条, 属地管理、分级负责):
- the office (党群工作部), the leadership group and the top leaders see every incident;
- a department head or a registered liaison sees and acts on the incidents of their department;
- a supervising leader sees the incidents of the departments they supervise;
- 党政办 sees the incidents that have a reply statement sent to it for review;
- whoever reported an incident sees that report;
- a member of an incident's disposal team (舆情处置小组, a user) sees and acts on it as its department does;
- anybody else gets 404, exactly as if the incident did not exist.
Department rights are django-guardian object permissions on Department, granted by departments.services.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from departments.access import ACT_PERM, VIEW_PERM, department_ids, roles_of
from departments.roles import SEE_ALL_ROLES, Role
from opinion_system.errors import NotAllowed

from .models import DisposalTeamMember, Incident, ReplyStatement, Status
from .workflow import Action

OFFICE_ACTIONS = frozenset(
    {
        Action.ASSESS,
        Action.MERGE,
        Action.REASSIGN,
        Action.CHANGE_LEVEL,
        Action.FILE,
        Action.RETURN_FORM,
        Action.ARCHIVE,
        Action.RECORD_DUTY,
        Action.RECORD_REVIEW,
        Action.WAIVE_OPINION,
        Action.WAIVE_DUTY,
        Action.REPORT_UPWARD,
        Action.WAIVE_REVIEW,
    }
)
DEPARTMENT_ACTIONS = frozenset(
    {
        Action.END_DISPOSAL,
        Action.SUBMIT_FORM,
        Action.EDIT_FORM,
        Action.REPORT_PROGRESS,
        Action.DRAFT_STATEMENT,
        Action.PUBLISH_STATEMENT,
        Action.REQUEST_SIGNATURE,
    }
)
# Statements 党政办 has been asked to look at (a draft stays inside the department).
REVIEWABLE_STATEMENT_STATES = [
    ReplyStatement.Status.SUBMITTED,
    ReplyStatement.Status.APPROVED,
    ReplyStatement.Status.REJECTED,
    ReplyStatement.Status.PUBLISHED,
]

DENIED_MESSAGES = {
    **{a: f"只有领导小组办公室（党群工作部）可以{a.label}。" for a in OFFICE_ACTIONS},
    **{a: f"只有责任部门的负责人或已备案联络员可以{a.label}。" for a in DEPARTMENT_ACTIONS},
    Action.REVIEW_STATEMENT: "只有党政办可以审定回复通稿。",
    Action.LEADER_OPINION: "只有责任部门的分管院领导或领导小组成员可以填写处置意见。",
    Action.SIGN_FORM: "只有责任部门的负责人本人可以在处置表上签字。",
    Action.RECORD_CONTACT: "只有领导小组办公室或责任部门的负责人、联络员可以登记联动联系。",
    Action.ADD_EVIDENCE: "只有上报人、责任部门或领导小组办公室可以补充材料。",
    Action.ADD_SOURCE: "只有上报人、责任部门或领导小组办公室可以补充来源。",
    Action.EDIT_TEAM: "只有领导小组办公室或责任部门的负责人、已备案联络员可以调整处置小组。",
}


def sees_all(user) -> bool:
    return bool(user.is_active and (user.is_superuser or roles_of(user) & SEE_ALL_ROLES))


def incidents_visible_to(user) -> QuerySet[Incident]:
    """Every incident the user may see, as one query."""
    incidents = Incident.objects.all()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return incidents.none()
    if sees_all(user):
        return incidents
    condition = Q(responsible_department_id__in=department_ids(user, VIEW_PERM)) | Q(reporter=user)
    condition |= Exists(DisposalTeamMember.objects.filter(incident=OuterRef("pk"), user=user))
    if Role.ADMIN_OFFICE in roles_of(user):
        reviewable = ReplyStatement.objects.filter(
            incident=OuterRef("pk"), status__in=REVIEWABLE_STATEMENT_STATES
        )
        condition |= Exists(reviewable)
    return incidents.filter(condition)


def incident_ids_visible(user, ids: set[int]) -> set[int]:
    """Which of these incidents the user may see (one query); notifications asks it through settings."""
    return set(incidents_visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))


def can_view(user, incident: Incident) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if sees_all(user) or incident.reporter_id == user.pk:
        return True
    if incident.responsible_department_id in department_ids(user, VIEW_PERM) or on_team(user, incident):
        return True
    if Role.ADMIN_OFFICE not in roles_of(user):
        return False
    # 党政办 sees an incident while a statement is with it: one query per incident and version, remembered on
    # the user object for the request (a page asks once per action it might offer).
    seen = user.__dict__.setdefault("_statement_view_cache", {})
    key = (incident.pk, incident.version)
    if key not in seen:
        seen[key] = incident.statements.filter(status__in=REVIEWABLE_STATEMENT_STATES).exists()
    return seen[key]


def can_see_merge_target(user, incident: Incident) -> bool:
    """A merged duplicate names and links the incident it went into only to who may see that one."""
    return incident.merged_into_id is not None and can_view(user, incident.merged_into)


def acts_for_department(user, department_id: int) -> bool:
    return department_id in department_ids(user, ACT_PERM)


def on_team(user, incident: Incident) -> bool:
    """Whether the user is on the incident's disposal team; one query per request for all their teams."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    teams = user.__dict__.get("_team_incident_ids")
    if teams is None:
        teams = frozenset(DisposalTeamMember.objects.filter(user=user).values_list("incident_id", flat=True))
        user.__dict__["_team_incident_ids"] = teams
    return incident.pk in teams


def forget_teams(user) -> None:
    """Drop what this user object remembers about its teams (after the team changed)."""
    if user is not None:
        user.__dict__.pop("_team_incident_ids", None)


def acts_for_incident(user, incident: Incident) -> bool:
    """The responsible department's heads and liaisons, and the members of the incident's disposal team."""
    return acts_for_department(user, incident.responsible_department_id) or on_team(user, incident)


def may(user, action: Action, incident: Incident) -> bool:
    """Whether the user's role lets them take `action` on this incident (the state is workflow's business)."""
    if not can_view(user, incident):
        return False
    roles = roles_of(user)
    if action in OFFICE_ACTIONS:
        return Role.OFFICE in roles
    if action in DEPARTMENT_ACTIONS:
        return acts_for_incident(user, incident)
    if action == Action.EDIT_TEAM:
        # The team is chosen by the office or the department; its members do not choose each other.
        return Role.OFFICE in roles or acts_for_department(user, incident.responsible_department_id)
    if action == Action.REVIEW_STATEMENT:
        return Role.ADMIN_OFFICE in roles
    if action == Action.LEADER_OPINION:
        return Role.LEADERSHIP in roles or incident.responsible_department.supervising_leader_id == user.pk
    if action == Action.SIGN_FORM:
        return incident.responsible_department.head_id == user.pk
    if action == Action.RECORD_CONTACT:
        # 第九条 联动应对: the office and the responsible department both keep in touch with media and departments.
        return Role.OFFICE in roles or acts_for_department(user, incident.responsible_department_id)
    if action in (Action.ADD_EVIDENCE, Action.ADD_SOURCE):
        return (
            Role.OFFICE in roles
            or acts_for_incident(user, incident)
            or (incident.reporter_id == user.pk and incident.status == Status.REPORTED)
        )
    return False


def require(user, action: Action, incident: Incident) -> None:
    """Raise NotAllowed (a Chinese message) unless the user may take the action."""
    if not may(user, action, incident):
        raise NotAllowed(DENIED_MESSAGES.get(action, "您没有权限进行此操作。"))


def can_review_statements(user) -> bool:
    """党政办's queue of statements (第十条 二级: 由党政办审定)."""
    return Role.ADMIN_OFFICE in roles_of(user)


def can_see_overview(user) -> bool:
    """The leaders' overview: the leadership group, top and supervising leaders, and the office."""
    return bool(roles_of(user) & {Role.OFFICE, Role.LEADERSHIP, Role.TOP_LEADERS, Role.SUPERVISING_LEADERS})


def can_report(user) -> bool:
    """第七条: every member of staff may report what they saw online."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def access_incident(user, pk, action: Action | None = None) -> Incident:
    """The incident if the user may see it (404 otherwise, as if it did not exist); 403 if seen but not allowed."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("舆情不存在") from None
    incident = (
        incidents_visible_to(user)
        .select_related("responsible_department", "reporter", "reporting_department", "merged_into")
        .filter(pk=pk)
        .first()
    )
    if incident is None:
        raise Http404("舆情不存在")
    if action is not None and not may(user, action, incident):
        raise PermissionDenied(DENIED_MESSAGES.get(action, "您没有权限进行此操作。"))
    return incident
