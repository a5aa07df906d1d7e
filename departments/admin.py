"""Configuration pages; every save goes through departments.services so grants stay in step."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm

from opinion_system.errors import DomainError
from opinion_system.history_admin import HistoryAdmin, SearchInputMixin

from . import services
from .models import Department, Liaison, OfficialMediaAccount, RoleGroup, User
from .roles import Role


class UserChangeForm(BaseUserChangeForm):
    """The user form with the appointed roles as checkboxes instead of raw groups: roles go through
    services.user_set_roles, and the roles that follow the department records cannot be ticked here."""

    appointed_roles = forms.MultipleChoiceField(
        label="任命的角色",
        choices=[(role.value, role.label) for role in Role if role in services.APPOINTED_ROLES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="部门负责人、分管院领导、联络员由部门信息和联络员备案决定，不在此处指定。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["appointed_roles"].initial = [
                role.value for role in _held_roles(self.instance) if role in services.APPOINTED_ROLES
            ]


def _held_roles(user) -> list[Role]:
    """The roles of the user's groups, whether or not the account is active (roles_of says none for an
    inactive one, and the form must not clear them when it is saved)."""
    return [Role(code) for code in RoleGroup.objects.filter(group__user=user).values_list("code", flat=True)]


def _fields_without(fieldsets, names: set[str]):
    return tuple(
        (title, {**options, "fields": tuple(f for f in options["fields"] if f not in names)})
        for title, options in fieldsets
    )


@admin.register(User)
class UserAdmin(SearchInputMixin, BaseUserAdmin):
    form = UserChangeForm
    list_display = ("username", "full_name", "department", "phone", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "groups", "department")
    search_fields = ("username", "full_name", "phone", "email")
    list_select_related = ("department",)
    fieldsets = (
        *_fields_without(BaseUserAdmin.fieldsets, {"groups"}),
        ("角色", {"fields": ("appointed_roles", "derived_roles")}),
        ("所在部门", {"fields": ("full_name", "department", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("所在部门", {"fields": ("full_name", "department", "phone")}),
    )

    @admin.display(description="随部门信息确定的角色")
    def derived_roles(self, obj):
        derived = (
            [str(role.label) for role in _held_roles(obj) if role not in services.APPOINTED_ROLES]
            if obj
            else []
        )
        return "、".join(derived) or "无"

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser makes superusers or grants single permissions: a user administrator who could tick
        # 超级用户状态 on their own account would hold every right of the system.
        fixed = (
            ("derived_roles",)
            if request.user.is_superuser
            else ("derived_roles", "is_superuser", "user_permissions")
        )
        return (*super().get_readonly_fields(request, obj), *fixed)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # nor change a superuser's password or account
        return super().has_change_permission(request, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "appointed_roles" in form.cleaned_data:
            services.user_set_roles(
                actor=request.user,
                user=form.instance,
                roles=[Role(r) for r in form.cleaned_data["appointed_roles"]],
            )


@admin.register(Department)
class DepartmentAdmin(HistoryAdmin):
    list_display = ("name", "code", "kind", "duty", "head", "supervising_leader", "is_example", "is_active")
    list_filter = ("kind", "duty", "is_example", "is_active")
    search_fields = ("name", "code")
    list_select_related = ("head", "supervising_leader")
    autocomplete_fields = ("head", "supervising_leader")

    def save_model(self, request, obj, form, change):
        services.department_save(actor=request.user, department=obj, reason="管理后台保存部门")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Liaison)
class LiaisonAdmin(HistoryAdmin):
    list_display = ("user", "department", "phone", "status", "registered_at", "registered_by")
    list_filter = ("status", "department")
    search_fields = ("user__username", "user__full_name", "department__name", "phone")
    list_select_related = ("user", "department", "registered_by")
    autocomplete_fields = ("user", "department")
    readonly_fields = ("status", "registered_at", "registered_by")
    actions = ["register", "deactivate"]

    def save_model(self, request, obj, form, change):
        # Adding a liaison here is the office registering them (备案); a status changes only by the actions.
        register = not change or obj.is_registered
        service = services.liaison_register if register else services.liaison_propose
        try:
            saved = service(actor=request.user, department=obj.department, user=obj.user, phone=obj.phone)
            obj.pk = saved.pk
        except DomainError as exc:
            messages.error(request, exc.message)

    @admin.action(description="联络员备案（登记为已备案）")
    def register(self, request, queryset):
        for liaison in queryset.select_related("user", "department"):
            services.liaison_register(
                actor=request.user, department=liaison.department, user=liaison.user, phone=liaison.phone
            )
        messages.success(request, "已完成备案。")

    @admin.action(description="停用所选联络员")
    def deactivate(self, request, queryset):
        for liaison in queryset:
            try:
                services.liaison_deactivate(actor=request.user, liaison=liaison, reason="管理后台停用")
            except DomainError as exc:
                messages.error(request, f"{liaison}：{exc.message}")

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OfficialMediaAccount)
class OfficialMediaAccountAdmin(HistoryAdmin):
    list_display = ("name", "platform", "department", "editor", "url", "is_active")
    list_filter = ("platform", "department", "is_active")
    search_fields = ("name", "url", "editor__user__full_name", "editor__user__username")
    list_select_related = ("department", "editor__user")
    autocomplete_fields = ("editor",)

    def save_model(self, request, obj, form, change):
        # The model's clean() already refused an editor who is not a registered liaison of the department.
        services.media_account_save(actor=request.user, account=obj)

    def has_delete_permission(self, request, obj=None):
        return False
