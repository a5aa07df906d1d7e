"""Who reads the security log: the audit administrator (三员分立: they read it and do nothing else)."""

from django.core.exceptions import PermissionDenied

from departments.access import roles_of
from departments.roles import Role


def can_read_log(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and Role.AUDIT_ADMIN in roles_of(user)
    )


def require_read_log(user) -> None:
    if not can_read_log(user):
        raise PermissionDenied("只有审计管理员可以查看安全日志。")
