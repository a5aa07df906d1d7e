"""Reads about departments and people."""

from django.contrib.auth.models import Group
from django.db.models import QuerySet

from .models import Department, Liaison, OfficialMediaAccount, User
from .roles import Role


def users_with_role(role: Role) -> QuerySet[User]:
    return User.objects.filter(is_active=True, groups__role__code=role).distinct()


def role_group(role: Role) -> Group:
    """The group that holds a role (found by its code: the name is the administrator's to change)."""
    return Group.objects.get(role__code=role)


def department_people(department: Department) -> QuerySet[User]:
    """The head and the registered liaisons: who answers for the department's incidents."""
    liaison_ids = Liaison.objects.filter(department=department, status=Liaison.Status.REGISTERED).values_list(
        "user_id", flat=True
    )
    return User.objects.filter(is_active=True).filter(
        pk__in=[*liaison_ids, *([department.head_id] if department.head_id else [])]
    )


def liaison_list() -> QuerySet[Liaison]:
    """The liaison register (联络员备案), by department."""
    return Liaison.objects.select_related("user", "department", "registered_by").order_by(
        "department__sort_order", "status", "id"
    )


def liaison_get(*, pk: int) -> Liaison | None:
    return Liaison.objects.select_related("user", "department").filter(pk=pk).first()


def media_account_list() -> QuerySet[OfficialMediaAccount]:
    """The register of official media accounts (第十三条)."""
    return OfficialMediaAccount.objects.select_related("department", "editor__user").all()


def media_account_get(*, pk: int) -> OfficialMediaAccount | None:
    return OfficialMediaAccount.objects.filter(pk=pk).first()
