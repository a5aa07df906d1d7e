"""Every permission decision about the work archive; the incident itself is decided by incidents.access.

- whoever may see an archived incident may see and download its dossier (it holds what the case page shows);
- only the office (党群工作部, 第十四条: it keeps the archive) generates dossiers again, checks them against
  their recorded SHA-256, records review meetings and exports a period's archive;
- the case library (案例库) of archived cases and their review conclusions: everything for the office, the
  leadership group, the top and the supervising leaders; their own department's cases for its head and
  liaisons; 403 for anyone else.
"""

from departments.access import ACT_PERM, department_ids, roles_of
from departments.roles import Role
from opinion_system.errors import NotAllowed

ARCHIVE_DENIED = "只有领导小组办公室（党群工作部）可以管理工作档案。"


def can_manage_archive(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and Role.OFFICE in roles_of(user))


def require_manage_archive(user) -> None:
    if not can_manage_archive(user):
        raise NotAllowed(ARCHIVE_DENIED)


# --- 案例库 (第十四条: "为未来类似事件的处理提供参考") ------------------------------------------------------------

# They see every archived case: the office keeps the archive, the leaders chair and learn from the reviews.
CASE_LIBRARY_ALL = frozenset({Role.OFFICE, Role.LEADERSHIP, Role.TOP_LEADERS, Role.SUPERVISING_LEADERS})
CASE_LIBRARY_DENIED = "案例库仅对领导小组办公室、领导小组、院领导以及各部门负责人和联络员开放。"


def case_library_departments(user) -> frozenset[int] | None:
    """Whose archived cases the user may read in the case library: None for all, else these departments'
    (a department head or liaison: their own department). Raises NotAllowed for anyone else."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        raise NotAllowed(CASE_LIBRARY_DENIED)
    if user.is_superuser or roles_of(user) & CASE_LIBRARY_ALL:
        return None
    own = department_ids(user, ACT_PERM)
    if not own:
        raise NotAllowed(CASE_LIBRARY_DENIED)
    return own


def can_see_case_library(user) -> bool:
    try:
        case_library_departments(user)
    except NotAllowed:
        return False
    return True
