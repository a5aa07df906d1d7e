"""Every write on departments, liaisons, roles and media accounts; grants to departments happen only here."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, get_users_with_perms, remove_perm

from opinion_system import clock
from opinion_system.errors import DomainError, NotAllowed
from opinion_system.stamps import stamp

from . import access
from .access import ACT_INCIDENTS, DEPARTMENT_PERMS, VIEW_INCIDENTS
from .models import Department, Liaison, OfficialMediaAccount, User
from .roles import Role
from .selectors import role_group


def _wanted_grants(department: Department) -> dict[int, set[str]]:
    wanted: dict[int, set[str]] = {}
    if department.head_id:
        wanted.setdefault(department.head_id, set()).update(DEPARTMENT_PERMS)
    for user_id in department.liaisons.filter(status=Liaison.Status.REGISTERED).values_list(
        "user_id", flat=True
    ):
        wanted.setdefault(user_id, set()).update(DEPARTMENT_PERMS)
    if department.supervising_leader_id:
        # 第五条: the supervising leader holds 一岗双责 — sees the department's incidents, acts through opinions.
        wanted.setdefault(department.supervising_leader_id, set()).add(VIEW_INCIDENTS)
    return wanted


PERM_LABELS = {VIEW_INCIDENTS: "查看本部门舆情", ACT_INCIDENTS: "处置本部门舆情"}


def _log_change(kind: str, actor: User | None, target: str, detail: str) -> None:
    """A role or grant change in the security log, in the same transaction as the change itself."""
    from audit import services as audit

    audit.record(
        kind=kind, user=actor, username="系统" if actor is None else "", target=target, detail=detail
    )


def department_sync_grants(department: Department, *, actor: User | None = None) -> None:
    """Make the department's object permissions match its head, registered liaisons and supervising leader."""
    wanted = _wanted_grants(department)
    current = get_users_with_perms(
        department, attach_perms=True, with_group_users=False, only_with_perms_in=DEPARTMENT_PERMS
    )
    for user, perms in current.items():
        for perm in set(perms) - wanted.get(user.pk, set()):
            remove_perm(perm, user, department)
            _log_change(
                "grant_change",
                actor,
                f"{user.get_username()} @ {department.name}",
                f"撤销：{PERM_LABELS[perm]}",
            )
    have = {user.pk: set(perms) for user, perms in current.items()}
    users = User.objects.in_bulk(list(wanted))
    for user_id, perms in wanted.items():
        for perm in perms - have.get(user_id, set()):
            assign_perm(perm, users[user_id], department)
            target = f"{users[user_id].get_username()} @ {department.name}"
            _log_change("grant_change", actor, target, f"授予：{PERM_LABELS[perm]}")
    for user in [*current, *users.values()]:
        access.forget(user)


def _sync_role_group(role: Role, user: User, member: bool, *, actor: User | None = None) -> None:
    group = role_group(role)
    if user.groups.filter(pk=group.pk).exists() == member:
        return
    if member:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    access.forget(user)
    _log_change(
        "role_change", actor, user.get_username(), f"{'授予' if member else '撤销'}角色：{role.label}"
    )


def _sync_derived_roles(users: Iterable[User | None], *, actor: User | None = None) -> None:
    """Heads, supervising leaders and liaisons are groups that follow the department records."""
    for user in {u for u in users if u is not None}:
        _sync_role_group(
            Role.DEPARTMENT_HEADS, user, Department.objects.filter(head=user).exists(), actor=actor
        )
        _sync_role_group(
            Role.SUPERVISING_LEADERS,
            user,
            Department.objects.filter(supervising_leader=user).exists(),
            actor=actor,
        )
        _sync_role_group(
            Role.LIAISONS,
            user,
            Liaison.objects.filter(user=user, status=Liaison.Status.REGISTERED).exists(),
            actor=actor,
        )


@transaction.atomic
def department_save(
    *,
    actor: User,
    department: Department,
    reason: str = "保存部门信息",
) -> Department:
    """Create or update a department; head and supervising leader changes move who can see its incidents."""
    if not access.may_save_departments(actor):
        raise NotAllowed("只有领导小组办公室（党群工作部）或系统管理员可以维护部门信息。")
    previous = Department.objects.filter(pk=department.pk).first() if department.pk else None
    people = (department.head_id, department.supervising_leader_id)
    before = (previous.head_id, previous.supervising_leader_id) if previous else (None, None)
    if people != before:
        if not access.may_set_department_people(actor):
            raise NotAllowed("部门负责人、分管院领导由领导小组办公室或安全管理员指定：系统管理员不分配权限。")
        if not actor.is_superuser and actor.pk in set(people) - set(before):
            raise NotAllowed("不能把自己指定为部门负责人或分管院领导。")
    try:
        department.full_clean()
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages)) from exc
    stamp(department, actor=actor, reason=reason)
    department.save()
    department_sync_grants(department, actor=actor)
    touched = [department.head, department.supervising_leader]
    if previous:
        touched += [previous.head, previous.supervising_leader]
    _sync_derived_roles(touched, actor=actor)
    return department


def department_set_head(*, actor: User, department: Department, head: User | None) -> Department:
    department.head = head
    return department_save(actor=actor, department=department, reason="设置部门负责人")


def department_set_supervising_leader(
    *, actor: User, department: Department, leader: User | None
) -> Department:
    department.supervising_leader = leader
    return department_save(actor=actor, department=department, reason="设置分管院领导")


@transaction.atomic
def liaison_register(
    *, actor: User, department: Department, user: User, phone: str = "", registered_on=None
) -> Liaison:
    """第五条: the office registers (备案) a department's liaison; from then on they act for the department."""
    access.require_register_liaisons(actor)
    liaison, _ = Liaison.objects.select_for_update().get_or_create(
        user=user, department=department, defaults={"phone": phone}
    )
    liaison.phone = phone or liaison.phone or user.phone
    liaison.status = Liaison.Status.REGISTERED
    liaison.registered_at = registered_on or timezone.localdate(clock.now())
    liaison.registered_by = actor
    stamp(liaison, actor=actor, reason="联络员备案")
    liaison.save()
    department_sync_grants(department, actor=actor)
    _sync_derived_roles([user], actor=actor)
    return liaison


@transaction.atomic
def liaison_propose(*, actor: User, department: Department, user: User, phone: str = "") -> Liaison:
    """A department names a liaison; it waits for the office's registration."""
    if not access.may_propose_liaison(actor, department):
        raise NotAllowed("只有本部门负责人或领导小组办公室可以提名联络员。")
    liaison, created = Liaison.objects.get_or_create(
        user=user, department=department, defaults={"phone": phone, "status": Liaison.Status.PENDING}
    )
    if not created and liaison.status == Liaison.Status.INACTIVE:
        liaison.status = Liaison.Status.PENDING
        stamp(liaison, actor=actor, reason="重新提名联络员")
        liaison.save()
    return liaison


@transaction.atomic
def liaison_deactivate(*, actor: User, liaison: Liaison, reason: str) -> Liaison:
    """Stop a liaison; refused while they still hold an official media account (第十三条)."""
    access.require_register_liaisons(actor)
    liaison = Liaison.objects.select_for_update().get(pk=liaison.pk)
    held = list(liaison.media_accounts.filter(is_active=True).values_list("name", flat=True))
    if held:
        raise DomainError(
            "第十三条：该联络员仍负责官方媒体账号（" + "、".join(held) + "）的编辑发布，请先指定新的负责人。"
        )
    liaison.status = Liaison.Status.INACTIVE
    stamp(liaison, actor=actor, reason=reason or "停用联络员")
    liaison.save()
    department_sync_grants(liaison.department, actor=actor)
    _sync_derived_roles([liaison.user], actor=actor)
    return liaison


@transaction.atomic
def media_account_save(*, actor: User, account: OfficialMediaAccount) -> OfficialMediaAccount:
    """Record an official channel and who edits it; the editor must be a registered liaison of its department."""
    access.require_media_accounts(actor)
    try:
        account.full_clean()
    except ValidationError as exc:
        raise DomainError("；".join(exc.messages)) from exc
    stamp(account, actor=actor, reason="登记官方媒体账号")
    account.save()
    return account


# Roles held by appointment; the others (head, supervising leader, liaison) follow the department records.
APPOINTED_ROLES = frozenset(
    {
        Role.OFFICE,
        Role.ADMIN_OFFICE,
        Role.LEADERSHIP,
        Role.TOP_LEADERS,
        Role.SYSTEM_ADMIN,
        Role.SECURITY_ADMIN,
        Role.AUDIT_ADMIN,
    }
)
# Appointed at installation, by a superuser only: a security administrator cannot make another one, nor the auditor
# who reads what the security administrator does (or stop one).
SUPERUSER_ROLES = frozenset({Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


@transaction.atomic
def user_set_roles(*, actor: User, user: User, roles: Iterable[Role]) -> None:
    """Assign the roles a person holds by appointment (office, 党政办, leadership, top leaders, administrators)."""
    if not access.may_assign_roles(actor):
        raise NotAllowed("只有安全管理员可以分配角色。")
    roles = set(roles)
    if roles - APPOINTED_ROLES:
        raise DomainError("部门负责人、分管院领导、联络员由部门信息和联络员备案决定，不能直接指定。")
    if not actor.is_superuser:
        if user.pk == actor.pk:
            raise NotAllowed("不能修改自己的角色，请由另一位安全管理员办理。")
        if user.is_superuser:
            raise NotAllowed("超级用户的角色只能由超级用户修改。")
        if (roles & SUPERUSER_ROLES) != (access.held_roles(user) & SUPERUSER_ROLES):
            raise NotAllowed("安全管理员只能由超级用户任命或撤销。")
    for role in APPOINTED_ROLES:
        _sync_role_group(role, user, role in roles, actor=actor)
