"""舆情处置小组 (附件 处置表「舆情处置小组人员名单」): who handles the incident, chosen by the office or the
responsible department; members who are users see and act on it as its department does."""

from dataclasses import dataclass

from django.db import transaction

from departments.models import User
from opinion_system.errors import DomainError
from opinion_system.stamps import stamp

from .. import access
from ..models import DisposalForm, DisposalTeamMember, Incident, IncidentEvent
from ..workflow import Action
from .common import Audience, Tell, lock_incident, record, subject

MAX_TEAM = 30


@dataclass(frozen=True)
class TeamRow:
    """One member as typed: a user of the system, or the name of an outsider."""

    role: str
    user: User | None = None
    name: str = ""
    unit: str = ""
    phone: str = ""

    def key(self) -> tuple:
        return (self.role, self.user.pk if self.user else 0, self.name, self.unit, self.phone)


def _clean(rows: list[TeamRow]) -> list[TeamRow]:
    cleaned = []
    for row in rows:
        name, unit, phone = (row.name or "").strip(), (row.unit or "").strip(), (row.phone or "").strip()
        if row.user is None and not name:
            raise DomainError("每位处置小组成员须选择系统用户或填写姓名。")
        if row.user is not None and not row.user.is_active:
            raise DomainError(f"{row.user.display_name} 的账号已停用，不能加入处置小组。")
        if row.role not in DisposalTeamMember.Role.values:
            raise DomainError("处置小组成员的职责只能是组长或成员。")
        cleaned.append(TeamRow(row.role, row.user, "" if row.user else name, unit, phone))
    users = [r.user.pk for r in cleaned if r.user]
    if len(users) != len(set(users)):
        raise DomainError("同一人不能在处置小组中出现两次。")
    if sum(1 for r in cleaned if r.role == DisposalTeamMember.Role.LEADER) > 1:
        raise DomainError("处置小组只能有一名组长。")
    if len(cleaned) > MAX_TEAM:
        raise DomainError(f"处置小组最多 {MAX_TEAM} 人。")
    return cleaned


@transaction.atomic
def team_save(
    *, incident: Incident, actor: User, rows: list[TeamRow], expected_version: int | None = None
) -> list[DisposalTeamMember]:
    """Replace the disposal team with `rows`; a change after the head signed the form voids the signature
    (the team is the form's row 「舆情处置小组人员名单」)."""
    incident, _ = lock_incident(
        incident, actor=actor, action=Action.EDIT_TEAM, expected_version=expected_version
    )
    rows = _clean(rows)
    current = list(DisposalTeamMember.objects.filter(incident=incident).select_related("user"))
    before = [TeamRow(m.role, m.user, m.name, m.unit, m.phone) for m in current]
    if sorted(r.key() for r in before) == sorted(r.key() for r in rows):
        return current
    for member in current:
        stamp(member, actor=actor, reason="调整处置小组")
        member.delete()
    members = []
    for row in rows:
        member = DisposalTeamMember(
            incident=incident, user=row.user, name=row.name, unit=row.unit, role=row.role, phone=row.phone
        )
        stamp(member, actor=actor, reason="调整处置小组")
        member.save()
        members.append(member)
    message = f"处置小组调整为 {len(members)} 人" if members else "处置小组已清空"
    form = DisposalForm.objects.select_for_update().filter(incident=incident).first()
    if form is not None and form.head_signed_by_id:
        form.head_signed_by = form.head_signed_at = None
        form.version += 1
        stamp(form, actor=actor, reason="处置小组变更，负责人签字作废")
        form.save()
        message += "（处置表内容已变更，部门负责人需重新签字）"
    before_users = {r.user.pk for r in before if r.user}
    joined = tuple(r.user for r in rows if r.user and r.user.pk not in before_users and r.user.pk != actor.pk)
    for user in [*(r.user for r in before if r.user), *(r.user for r in rows if r.user), actor]:
        access.forget_teams(user)
    record(
        incident,
        actor=actor,
        history="调整处置小组",
        kind=IncidentEvent.Kind.TEAM_CHANGED,
        message=message,
        tell=Tell(
            Audience(joined),
            "team_joined",
            subject(incident, "您已加入舆情处置小组"),
            "您已被列入该舆情的处置小组，可查看并参与处置。",
        )
        if joined
        else None,
    )
    return members
