"""Every permission decision about 线索 (第七条).

- A monitoring tool pushes leads with an account of the 实训（信息）中心 (the department whose duty is technical
  monitoring) or of the office; such an account reads back the leads it pushed, nothing else.
- The office (党群工作部, the leadership group's office) receives every lead and judges it: promotes it to an
  incident, merges it into one, or dismisses it.
- Anybody else: 404 for a lead (as if it did not exist), 403 for the inbox.
"""

from django.db.models import QuerySet
from django.http import Http404

from departments.access import is_office
from departments.models import Department
from opinion_system.errors import NotAllowed

from .models import Lead

OFFICE_ONLY = "只有领导小组办公室（党群工作部）可以处理线索。"
PUSH_ONLY = "只有实训（信息）中心或党群工作部的账号可以推送线索。"


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def may_handle_leads(user) -> bool:
    return _active(user) and is_office(user)


def in_info_center(user) -> bool:
    return bool(
        _active(user)
        and user.department_id
        and user.department.duty == Department.Duty.INFO_CENTER
        and user.department.is_active
    )


def may_push_leads(user) -> bool:
    return may_handle_leads(user) or in_info_center(user)


def leads_visible_to(user) -> QuerySet[Lead]:
    if may_handle_leads(user):
        return Lead.objects.all()
    if in_info_center(user):
        return Lead.objects.filter(submitted_by=user)
    return Lead.objects.none()


def require_handle(user) -> None:
    if not may_handle_leads(user):
        raise NotAllowed(OFFICE_ONLY)


def require_push(user) -> None:
    if not may_push_leads(user):
        raise NotAllowed(PUSH_ONLY)


def access_lead(user, pk) -> Lead:
    """The lead for the office's pages: 404 for a missing one and for anyone who may not handle leads."""
    if not may_handle_leads(user):
        raise Http404("线索不存在")
    try:
        return Lead.objects.select_related("submitted_by", "incident", "handled_by").get(pk=int(pk))
    except (Lead.DoesNotExist, ValueError, OverflowError):
        raise Http404("线索不存在") from None
