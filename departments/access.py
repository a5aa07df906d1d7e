"""What a person holds: their roles and their department rights, read once per user object.

A request has one user object, so this is a per-request cache; every permission decision (incidents.access,
reports.access, the departments' own pages) starts from here. A service that changes roles or grants calls
`forget` on the user objects it touched.
"""

from django.db.models import Q
from guardian.utils import get_user_obj_perms_model

from opinion_system.errors import NotAllowed

from .models import Department, RoleGroup
from .roles import Role

VIEW_INCIDENTS = "view_department_incidents"
ACT_INCIDENTS = "act_department_incidents"
DEPARTMENT_PERMS = (VIEW_INCIDENTS, ACT_INCIDENTS)
VIEW_PERM = f"departments.{VIEW_INCIDENTS}"  # as department_ids() and guardian name them
ACT_PERM = f"departments.{ACT_INCIDENTS}"

_CACHE = "_rights_cache"


def _rights(user) -> dict:
    return user.__dict__.setdefault(_CACHE, {})


def forget(user) -> None:
    """Drop what this user object remembers about its rights (after a change of roles or grants)."""
    if user is not None:
        user.__dict__.pop(_CACHE, None)


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def roles_of(user) -> frozenset[Role]:
    """The roles a user holds, by the groups' role codes (a renamed group keeps its role); one query."""
    if not _active(user):
        return frozenset()
    rights = _rights(user)
    if "roles" not in rights:
        codes = RoleGroup.objects.filter(group__user=user).values_list("code", flat=True)
        rights["roles"] = frozenset(Role(code) for code in codes)
    return rights["roles"]


def held_roles(user) -> frozenset[Role]:
    """The roles of the user's groups whether or not the account is active (for the pages that edit them)."""
    return frozenset(
        Role(code) for code in RoleGroup.objects.filter(group__user=user).values_list("code", flat=True)
    )


def department_ids(user, perm: str) -> frozenset[int]:
    """Departments on which the user holds `perm` ("departments.<codename>") directly, never through a global
    permission: both department permissions in one query of guardian's own table.

    Only *user* object permissions count: departments.services, the one place that grants department rights,
    grants to users only, never to groups.
    """
    if not _active(user):
        return frozenset()
    rights = _rights(user)
    if "departments" not in rights:
        model = get_user_obj_perms_model(Department)
        rows = model.objects.filter(
            Q(user_id=user.pk)
            & Q(content_type__app_label="departments", content_type__model="department")
            & Q(permission__codename__in=DEPARTMENT_PERMS)
        ).values_list("permission__codename", "object_pk")
        grants: dict[str, set[int]] = {}
        for codename, object_pk in rows:
            if object_pk.isascii() and object_pk.isdigit():  # object_pk is text in guardian's generic table
                grants.setdefault(f"departments.{codename}", set()).add(int(object_pk))
        rights["departments"] = {name: frozenset(ids) for name, ids in grants.items()}
    return rights["departments"].get(perm, frozenset())


def has_role(user, role: Role) -> bool:
    return role in roles_of(user)


def is_office(user) -> bool:
    return has_role(user, Role.OFFICE)


# --- the registers and the people of a department (第五条、第十三条; 三员分立) ------------------------------------


# Who administers (the admin site): the three administrators of 三员分立 and the office, which keeps the
# configuration it owns there. Leaders decide in the pages built for them and never land in the raw admin.
ADMINISTERING_ROLES = frozenset({Role.OFFICE, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


def may_administer(user) -> bool:
    return bool(
        _active(user) and user.is_staff and (user.is_superuser or roles_of(user) & ADMINISTERING_ROLES)
    )


def may_register_liaisons(actor) -> bool:
    """第五条: liaisons are registered (备案) with the leadership group's office."""
    return bool(actor.is_superuser or has_role(actor, Role.OFFICE))


def may_propose_liaison(actor, department) -> bool:
    """A department names its liaison (its head), the office registers them."""
    return bool(may_register_liaisons(actor) or department.head_id == actor.pk)


def may_set_department_people(actor) -> bool:
    """A department's head and supervising leader carry its rights (第五条), so they are set by the office or the
    security administrator, never by the system administrator (三员分立: accounts and departments, no rights)."""
    return bool(actor.is_superuser or has_role(actor, Role.OFFICE) or has_role(actor, Role.SECURITY_ADMIN))


def may_save_departments(actor) -> bool:
    """Names, codes and order of departments: the system administrator too (who the people are: see above)."""
    return bool(may_set_department_people(actor) or has_role(actor, Role.SYSTEM_ADMIN))


def may_keep_registers(actor) -> bool:
    """The registers' pages (联络员备案, 官方媒体账号): the office keeps them; the system administrator keeps the
    media accounts and reads the liaison register (registering stays the office's: may_register_liaisons)."""
    return bool(actor.is_superuser or has_role(actor, Role.OFFICE) or has_role(actor, Role.SYSTEM_ADMIN))


def may_assign_roles(actor) -> bool:
    """三员分立: roles are the security administrator's to give (a superuser's at installation)."""
    return bool(actor.is_superuser or has_role(actor, Role.SECURITY_ADMIN))


def require_registers(actor) -> None:
    if not may_keep_registers(actor):
        raise NotAllowed("只有领导小组办公室（党群工作部）可以维护此登记簿。")


def require_register_liaisons(actor) -> None:
    if not may_register_liaisons(actor):
        raise NotAllowed("联络员由领导小组办公室（党群工作部）备案或停用。")


def require_media_accounts(actor) -> None:
    if not may_keep_registers(actor):
        raise NotAllowed("只有领导小组办公室（党群工作部）或系统管理员可以维护官方媒体账号登记。")
