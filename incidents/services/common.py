"""Helpers every service uses: lock and check the incident, write the case log, tell people."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from departments.models import Department, User
from departments.roles import Role
from departments.selectors import department_people, users_with_role
from notifications import hooks
from notifications.selectors import endpoint_list_for
from notifications.services import Message, build_rows, save_rows
from opinion_system import clock
from opinion_system.errors import DomainError, StaleObject
from opinion_system.stamps import stamp

from .. import access, rules, workflow, worklist
from ..models import Incident, IncidentEvent
from ..workflow import Action


def lock_incident(
    incident: Incident, *, actor: User, action: Action, expected_version: int | None = None
) -> tuple[Incident, str]:
    """Lock the row, check version, permission and transition; return it with the status it moves to."""
    locked = Incident.objects.select_for_update().select_related("responsible_department").get(pk=incident.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleObject(
            f"舆情 {locked.number} 在您打开页面后已被他人修改（当前第 {locked.version} 版），"
            "请刷新页面查看最新内容后再提交；您填写的内容仍保留在表单中。"
        )
    access.require(actor, action, locked)
    target = workflow.check(locked.status, action)
    return locked, target


def save_incident(incident: Incident, *, actor: User | None, reason: str, fields: Iterable[str]) -> None:
    """Save with the version bumped and the history naming who and why."""
    incident.version += 1
    stamp(incident, actor=actor, reason=reason)
    incident.save(update_fields=[*fields, "version", "updated_at"])


def log_event(
    incident: Incident,
    *,
    kind: str,
    actor: User | None,
    message: str,
    reason: str = "",
    related: Incident | None = None,
) -> IncidentEvent:
    # Every change to a case passes here: the 待办 counts remembered for the navigation are stale once it commits.
    transaction.on_commit(worklist.work_changed)
    return IncidentEvent.objects.create(
        incident=incident,
        kind=kind,
        actor=actor,
        message=message,
        reason=reason,
        related=related,
        created_at=clock.now(),
    )


def require_text(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(f"请填写{what}。")
    return value


@dataclass(frozen=True)
class Audience:
    """Who is told: people, and the roles / departments whose group robots also hear it."""

    users: tuple[User, ...] = ()
    roles: frozenset[str] = frozenset()
    departments: frozenset[int] = frozenset()

    def __add__(self, other: "Audience") -> "Audience":
        return Audience(
            self.users + other.users, self.roles | other.roles, self.departments | other.departments
        )

    def without(self, user: User) -> "Audience":
        return Audience(tuple(u for u in self.users if u.pk != user.pk), self.roles, self.departments)


# 第八条: during a key monitoring period the person on duty also hears what the office hears at levels 2 and 1.
DUTY_KINDS = frozenset({"level_alert", "progress_reported"})


def notify(audience: Audience, *, kind: str, event: IncidentEvent, subject: str, text: str) -> None:
    """Queue the notices of this event: in-app and email per person, and the matching group robots."""
    users = audience.users
    if kind in DUTY_KINDS and event.incident.level in rules.ALERT_LEVELS:
        users += tuple(hooks.duty_recipients(event.created_at))
    message = Message(
        kind=kind,
        subject=subject,
        text=text,
        incident=event.incident,
        key=f"{kind}:e{event.pk}",
        created_at=event.created_at,
        link=event.incident.page_path,
    )
    endpoints = endpoint_list_for(department_ids=audience.departments, roles=audience.roles)
    save_rows(build_rows(message, users, endpoints, actor=event.actor))


@dataclass(frozen=True)
class Tell:
    """The notice of a change: who hears it, its kind (with the case-log line, the key that writes it once),
    subject and text."""

    audience: Audience
    kind: str
    subject: str
    text: str


def subject(incident: Incident, headline: str, *, statement_number: int | None = None) -> str:
    """The subject line of a notice: what happened, then the incident's number and its title (or, for a reply
    statement, which version)."""
    about = incident.title if statement_number is None else f"第{statement_number}版"
    return f"{headline}：{incident.number} {about}"


def record(
    incident: Incident,
    *,
    actor: User,
    history: str,
    fields: Iterable[str] = (),
    kind: str,
    message: str,
    reason: str = "",
    related: Incident | None = None,
    tell: Tell | None = None,
) -> IncidentEvent:
    """The tail of a change: the incident saved (version bumped, `history` as the history row's reason), its
    case-log line, then its notice, all in the caller's transaction; returns the case-log line."""
    save_incident(incident, actor=actor, reason=history, fields=fields)
    event = log_event(incident, kind=kind, actor=actor, message=message, reason=reason, related=related)
    if tell is not None:
        notify(tell.audience, kind=tell.kind, event=event, subject=tell.subject, text=tell.text)
    return event


def role_members(*roles: Role) -> Audience:
    users: dict[int, User] = {}
    for role in roles:
        users.update({u.pk: u for u in users_with_role(role)})
    return Audience(tuple(users.values()), frozenset(str(r) for r in roles))


def department_audience(department: Department) -> Audience:
    return Audience(tuple(department_people(department)), departments=frozenset({department.pk}))


def department_members(incident: Incident) -> Audience:
    return department_audience(incident.responsible_department)
