"""Every permission decision of 重点监测 (第八条).

- The calendar and the duty roster are kept by the office (领导小组办公室, 党群工作部); the leadership group and the
  top leaders read them (a superuser too). Anybody else: 403 on a page, 404 for a period asked for by id.
- The 零报告 of a department is submitted by its registered liaison; the office and the leaders read all of them.
"""

from django.http import Http404

from departments.access import is_office, roles_of
from departments.models import Liaison
from departments.roles import Role
from opinion_system.errors import NotAllowed

from . import selectors
from .models import KeyMonitoringPeriod

READER_ROLES = frozenset({Role.OFFICE, Role.LEADERSHIP, Role.TOP_LEADERS})


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def may_read_calendar(user) -> bool:
    return _active(user) and bool(user.is_superuser or roles_of(user) & READER_ROLES)


def may_keep_calendar(user) -> bool:
    return _active(user) and bool(user.is_superuser or is_office(user))


def require_reader(user) -> None:
    if not may_read_calendar(user):
        raise NotAllowed(
            "只有领导小组办公室（党群工作部）、领导小组成员和学校党政主要领导可以查看重点监测安排。"
        )


def require_keeper(user) -> None:
    if not may_keep_calendar(user):
        raise NotAllowed("重点监测时段和值班表由领导小组办公室（党群工作部）登记和修改。")


def access_period(user, pk: int, *, keep: bool = False) -> KeyMonitoringPeriod:
    """The period if this person may read the calendar (404 otherwise); 403 to change it unless they keep it."""
    if not may_read_calendar(user):
        raise Http404("重点监测时段不存在")
    period = KeyMonitoringPeriod.objects.filter(pk=pk).first()
    if period is None:
        raise Http404("重点监测时段不存在")
    if keep:
        require_keeper(user)
    return period


def require_liaison(user, departments) -> None:
    """零报告 is the registered liaison's (第五条 names them to the office)."""
    if not departments:
        raise NotAllowed("零报告由各部门在领导小组办公室备案的联络员报送。")


def may_submit_nil_report(user) -> bool:
    """The menu's 零报告: a registered liaison, while a period asks for it (no query outside a period)."""
    if not _active(user) or not any(p.nil_report_required for p in selectors.active_periods()):
        return False
    return Liaison.objects.filter(user=user, status=Liaison.Status.REGISTERED).exists()
