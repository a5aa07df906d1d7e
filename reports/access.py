"""Every permission decision about the work archive; the incident itself is decided by incidents.access.

- whoever may see an archived incident may see and download its dossier (it holds what the case page shows);
- only the office (党群工作部, 第十四条: it keeps the archive) generates dossiers again, checks them against
  their recorded SHA-256, records review meetings and exports a period's archive;
- the case library (案例库) of archived cases and their review conclusions: open to the office, the leadership
  group, the top and the supervising leaders, department heads and liaisons (403 for anyone else), each seeing
  the archived cases they may see anyway (incidents.access).
"""

from django.db.models import QuerySet

from departments.access import ACT_PERM, department_ids, roles_of
from departments.roles import Role
from incidents.access import incidents_visible_to
from incidents.models import Incident, Status
from opinion_system.errors import NotAllowed

ARCHIVE_DENIED = "只有领导小组办公室（党群工作部）可以管理工作档案。"


def can_manage_archive(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and Role.OFFICE in roles_of(user))


def require_manage_archive(user) -> None:
    if not can_manage_archive(user):
        raise NotAllowed(ARCHIVE_DENIED)


# --- 案例库 (第十四条: "为未来类似事件的处理提供参考") ------------------------------------------------------------

# Besides those who see every incident: the supervising leaders, and department heads and liaisons.
CASE_LIBRARY_ROLES = frozenset({Role.OFFICE, Role.LEADERSHIP, Role.TOP_LEADERS, Role.SUPERVISING_LEADERS})
CASE_LIBRARY_DENIED = "案例库仅对领导小组办公室、领导小组、院领导以及各部门负责人和联络员开放。"


def can_see_case_library(user) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return bool(user.is_superuser or roles_of(user) & CASE_LIBRARY_ROLES or department_ids(user, ACT_PERM))


def case_library_cases(user) -> QuerySet[Incident]:
    """The archived cases the user may read in the case library, or NotAllowed (403) for anyone else.

    Each case only for who may see the incident (incidents.access): everything for the office, the leadership
    group and the top leaders; a supervising leader's departments; a head's or liaison's own department. A case
    another department handled stays out of sight there too, as it does everywhere (第五条, 属地管理).
    """
    if not can_see_case_library(user):
        raise NotAllowed(CASE_LIBRARY_DENIED)
    return incidents_visible_to(user).filter(status=Status.ARCHIVED)
