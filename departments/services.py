"""Every write on departments, liaisons, roles and media accounts; grants to departments happen only here."""

from collections.abc import Iterable
from dataclasses import dataclass, field

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


# --- a person's platform accounts (企业微信、钉钉) and mobile number, imported from the college's roster ---------

PLATFORM_COLUMNS = {
    "工号": "username",
    "企业微信账号": "wecom_userid",
    "钉钉账号": "dingtalk_userid",
    "手机号": "phone",
}
PLATFORM_FIELDS = ("wecom_userid", "dingtalk_userid", "phone")
PLATFORM_LABELS = {"wecom_userid": "企业微信账号", "dingtalk_userid": "钉钉账号", "phone": "手机号"}
# Accounts that only one person may hold: a second holder would receive the first one's notices.
UNIQUE_PLATFORM_FIELDS = ("wecom_userid", "dingtalk_userid")


@dataclass
class PlatformImport:
    """What an import did (or, on a dry run, would do), in words for the person who ran it."""

    changed: list[str] = field(default_factory=list)  # 工号 of the people whose fields change
    unchanged: int = 0
    unknown: list[str] = field(default_factory=list)  # 工号 with no such user
    conflicts: list[str] = field(default_factory=list)  # sentences


def _platform_rows(rows: Iterable[dict]) -> list[dict[str, str]]:
    """The roster's rows with our field names; blank cells dropped (a blank cell changes nothing)."""
    cleaned = []
    for row in rows:
        values = {
            PLATFORM_COLUMNS[k.strip()]: str(v or "").strip()
            for k, v in row.items()
            if k and k.strip() in PLATFORM_COLUMNS
        }
        if values.get("username"):
            cleaned.append({k: v for k, v in values.items() if v})
    return cleaned


@transaction.atomic
def user_platform_ids_import(
    *, rows: Iterable[dict], actor: User | None = None, dry_run: bool = False
) -> PlatformImport:
    """Fill the WeCom / DingTalk accounts and mobile numbers of existing users, matched by 工号 (username).

    A blank cell leaves the field as it is; an account already held by another person, or given to two 工号 in
    the file, is a conflict and that person is left unchanged. A dry run reports and changes nothing.
    """
    report = PlatformImport()
    wanted = _platform_rows(rows)
    users = {u.username: u for u in User.objects.select_for_update().filter(
        username__in=[r["username"] for r in wanted]
    )}  # fmt: skip
    claimed: dict[tuple[str, str], str] = {}  # (field, value) → the 工号 that the file gives it to
    for row in wanted:
        for name in UNIQUE_PLATFORM_FIELDS:
            if name in row:
                claimed.setdefault((name, row[name]), row["username"])
    held = {
        (name, value): username
        for name in UNIQUE_PLATFORM_FIELDS
        for username, value in User.objects.filter(
            **{f"{name}__in": [v for (n, v) in claimed if n == name]}
        ).values_list("username", name)
    }
    for row in wanted:
        username = row["username"]
        user = users.get(username)
        if user is None:
            report.unknown.append(username)
            continue
        problems = []
        for name in UNIQUE_PLATFORM_FIELDS:
            value = row.get(name)
            if value is None:
                continue
            if claimed[(name, value)] != username:
                problems.append(
                    f"{PLATFORM_LABELS[name]}“{value}”在文件中也给了工号 {claimed[(name, value)]}"
                )
            elif held.get((name, value), username) != username:
                problems.append(f"{PLATFORM_LABELS[name]}“{value}”已属于工号 {held[(name, value)]}")
        if problems:
            report.conflicts.append(f"工号 {username}（{user.display_name}）：{'；'.join(problems)}，未修改")
            continue
        changes = {
            name: row[name] for name in PLATFORM_FIELDS if name in row and getattr(user, name) != row[name]
        }
        if not changes:
            report.unchanged += 1
            continue
        report.changed.append(username)
        if dry_run:
            continue
        for name, value in changes.items():
            setattr(user, name, value)
        stamp(user, actor=actor, reason="导入企业微信、钉钉账号和手机号")
        user.save(update_fields=list(changes))
    return report
