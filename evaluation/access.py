"""Every permission decision of the yearly evaluation and the ledger (第十五条).

- The yearly evaluation, its weights page and its Excel file: the office (党群工作部), the leadership group and the
  top leaders, who judge the departments (第三条); a superuser too. The weights are set by the office alone.
- The ledger is kept by the office alone (it records decisions taken by 学校党委 and the like; the office is
  where they are registered). It is read by those who read the evaluation, and by a department's current head
  for the entries of the department he heads (第十五条 counts them in his own review: he may see what is
  recorded about his department, and nothing about another one).
- Anybody else: 403 on a page, 404 for an entry or an attachment asked for by id (as if it did not exist).
"""

from django.db.models import QuerySet
from django.http import Http404

from departments.access import is_office, roles_of
from departments.models import Department
from departments.roles import Role
from opinion_system.errors import NotAllowed

from .models import LedgerEntry

EVALUATION_ROLES = frozenset({Role.OFFICE, Role.LEADERSHIP, Role.TOP_LEADERS})


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def may_see_evaluation(user) -> bool:
    return _active(user) and bool(user.is_superuser or roles_of(user) & EVALUATION_ROLES)


def may_keep_ledger(user) -> bool:
    return _active(user) and is_office(user)


def may_set_weights(user) -> bool:
    return _active(user) and is_office(user)


def headed_department_ids(user) -> list[int]:
    return list(Department.objects.filter(head_id=user.pk).values_list("pk", flat=True))


def ledger_visible_to(user) -> QuerySet[LedgerEntry]:
    """The entries this person may read (one query when listed)."""
    entries = LedgerEntry.objects.all()
    if not _active(user):
        return entries.none()
    if may_see_evaluation(user):
        return entries
    return entries.filter(department__head_id=user.pk)


def may_read_ledger(user) -> bool:
    """The ledger's list page: whoever may read some entry now (a head with no department sees no page)."""
    return may_see_evaluation(user) or (_active(user) and bool(headed_department_ids(user)))


def require_evaluation(user) -> None:
    if not may_see_evaluation(user):
        raise NotAllowed("只有领导小组办公室（党群工作部）、领导小组成员和学校党政主要领导可以查看年度考核。")


def require_weights(user) -> None:
    if not may_set_weights(user):
        raise NotAllowed("考核权重由领导小组办公室（党群工作部）设置。")


def require_ledger_reader(user) -> None:
    if not may_read_ledger(user):
        raise NotAllowed(
            "只有领导小组办公室（党群工作部）、领导小组成员、学校党政主要领导和本部门负责人可以查看台账。"
        )


def require_ledger_keeper(user) -> None:
    if not may_keep_ledger(user):
        raise NotAllowed("表彰与问责台账由领导小组办公室（党群工作部）登记和修改。")


def access_entry(user, pk: int, *, keep: bool = False) -> LedgerEntry:
    """The entry if this person may read it (404 otherwise, as if it did not exist); 403 to change it unless
    they keep the ledger."""
    entry = (
        ledger_visible_to(user).select_related("department", "person", "recorded_by").filter(pk=pk).first()
    )
    if entry is None:
        raise Http404("台账记录不存在")
    if keep:
        require_ledger_keeper(user)
    return entry
