"""The roles of the regulation (第三条–第五条), each a Django group created by a data migration.

The group name is what people read in the admin and may be renamed there; the program finds a role's group by
its code (departments.models.RoleGroup).
"""

from django.db import models


class Role(models.TextChoices):
    OFFICE = "office", "领导小组办公室（党群工作部）"
    ADMIN_OFFICE = "admin_office", "党政办（回复通稿审定）"
    LEADERSHIP = "leadership", "网络舆情处置工作领导小组"
    TOP_LEADERS = "top_leaders", "学校党政主要领导"
    DEPARTMENT_HEADS = "department_heads", "部门负责人"
    SUPERVISING_LEADERS = "supervising_leaders", "分管院领导"
    LIAISONS = "liaisons", "联络员"
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    # 三员分立 (等保2.0): the system administrator keeps accounts and departments, the security administrator
    # gives roles and passwords; neither can do the other's work, and only a superuser appoints the latter.
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"  # reads the security log, and nothing else


# Roles that see every incident (第三条: the leadership group leads the whole work; its office receives
# every report). Supervising leaders, heads and liaisons see only their departments'.
SEE_ALL_ROLES = frozenset({Role.OFFICE, Role.LEADERSHIP, Role.TOP_LEADERS})
