"""Every permission decision about 舆情通报 (第四条).

- The office (党群工作部) drafts, edits, sends for approval and issues; it replaces the Word template.
- A member of the leadership group (组长、副组长: the role 领导小组) approves or returns.
- The office, the leadership group and the top leaders read every bulletin, in every state.
- The people of a recipient department (its head, registered liaisons and supervising leader: those who hold the
  department's rights) read the issued bulletins sent to their department; their opening is the receipt.
- Anybody else: 404 for a bulletin (as if it did not exist), 403 for a page.
"""

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from departments.access import VIEW_PERM, department_ids, roles_of
from departments.roles import Role
from opinion_system.errors import NotAllowed

from .models import Bulletin

READ_ALL_ROLES = frozenset({Role.OFFICE, Role.LEADERSHIP, Role.TOP_LEADERS})

OFFICE_ONLY = "只有领导小组办公室（党群工作部）可以拟稿、送审和印发舆情通报。"
LEADERSHIP_ONLY = "只有网络舆情处置工作领导小组成员（组长、副组长）可以审批舆情通报。"


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def is_office(user) -> bool:
    return _active(user) and Role.OFFICE in roles_of(user)


def is_leadership(user) -> bool:
    return _active(user) and Role.LEADERSHIP in roles_of(user)


def reads_all(user) -> bool:
    return _active(user) and bool(user.is_superuser or roles_of(user) & READ_ALL_ROLES)


def recipient_department_ids(user) -> frozenset[int]:
    """The departments whose bulletins this person reads: those whose rights they hold (no query of its own when
    the navigation has already asked)."""
    return department_ids(user, VIEW_PERM) if _active(user) else frozenset()


def may_open_list(user) -> bool:
    return reads_all(user) or bool(recipient_department_ids(user))


def bulletins_visible_to(user) -> QuerySet[Bulletin]:
    bulletins = Bulletin.objects.all()
    if not _active(user):
        return bulletins.none()
    if reads_all(user):
        return bulletins
    through = Bulletin.recipients.through.objects.filter(
        bulletin_id=OuterRef("pk"), department_id__in=recipient_department_ids(user)
    )
    return bulletins.filter(Exists(through), status=Bulletin.Status.ISSUED)


def access_bulletin(user, pk: int) -> Bulletin:
    """The bulletin if this person may read it; 404 for both missing and forbidden."""
    bulletin = bulletins_visible_to(user).filter(pk=pk).first()
    if bulletin is None:
        raise Http404("舆情通报不存在")
    return bulletin


def may_draft(user) -> bool:
    return is_office(user)


def may_approve(user) -> bool:
    return is_leadership(user)


def may_see_receipts(user) -> bool:
    return reads_all(user)


def require_list(user) -> None:
    if not may_open_list(user):
        raise NotAllowed("您没有查看舆情通报的权限。")


def require_office(user) -> None:
    if not may_draft(user):
        raise NotAllowed(OFFICE_ONLY)


def require_leadership(user) -> None:
    if not may_approve(user):
        raise NotAllowed(LEADERSHIP_ONLY)
