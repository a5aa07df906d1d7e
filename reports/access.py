"""Every permission decision about the work archive; the incident itself is decided by incidents.access.

- whoever may see an archived incident may see and download its dossier (it holds what the case page shows);
- only the office (党群工作部, 第十四条: it keeps the archive) generates dossiers again, checks them against
  their recorded SHA-256, records review meetings and exports a period's archive.
"""

from departments.access import roles_of
from departments.roles import Role
from opinion_system.errors import NotAllowed

ARCHIVE_DENIED = "只有领导小组办公室（党群工作部）可以管理工作档案。"


def can_manage_archive(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and Role.OFFICE in roles_of(user))


def require_manage_archive(user) -> None:
    if not can_manage_archive(user):
        raise NotAllowed(ARCHIVE_DENIED)
