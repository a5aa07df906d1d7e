"""Helpers every service uses: lock and check the incident, write the case log, tell people."""

from collections.abc import Iterable

from departments.models import User
from departments.roles import Role
from departments.selectors import department_people, users_with_role
from departments.services import stamp
from opinion_system import clock
from opinion_system.errors import DomainError, StaleObject

from .. import access, workflow
from ..models import Incident, IncidentEvent, Notice
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
    incident: Incident, *, kind: str, actor: User | None, message: str, reason: str = ""
) -> IncidentEvent:
    return IncidentEvent.objects.create(
        incident=incident, kind=kind, actor=actor, message=message, reason=reason, created_at=clock.now()
    )


def require_text(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(f"请填写{what}。")
    return value


def notify(
    recipients: Iterable[User],
    *,
    kind: str,
    event: IncidentEvent,
    subject: str,
    text: str,
) -> list[Notice]:
    """Queue an in-app notice per recipient for this event (once, whatever happens later)."""
    incident = event.incident
    link = f"/incidents/{incident.pk}/"
    notices = [
        Notice(
            recipient=user,
            channel=Notice.Channel.IN_APP,
            kind=kind,
            incident=incident,
            subject=subject[:200],
            text=text,
            link=link,
            dedupe_key=f"{kind}:{event.pk}:{user.pk}:{Notice.Channel.IN_APP}",
            created_at=event.created_at,
        )
        for user in {u.pk: u for u in recipients}.values()
    ]
    return Notice.objects.bulk_create(notices, ignore_conflicts=True)


def role_members(*roles: Role) -> list[User]:
    users: dict[int, User] = {}
    for role in roles:
        users.update({u.pk: u for u in users_with_role(role)})
    return list(users.values())


def department_members(incident: Incident) -> list[User]:
    return list(department_people(incident.responsible_department))
