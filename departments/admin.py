"""Configuration pages; every save goes through departments.services so grants stay in step."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from opinion_system.errors import DomainError

from . import services
from .models import Department, Liaison, OfficialMediaAccount, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "department", "phone", "is_active", "is_staff")
    list_filter = ("is_active", "is_staff", "groups", "department")
    search_fields = ("username", "full_name", "phone", "email")
    list_select_related = ("department",)
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("所在部门", {"fields": ("full_name", "department", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("所在部门", {"fields": ("full_name", "department", "phone")}),
    )


@admin.register(Department)
class DepartmentAdmin(SimpleHistoryAdmin):
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
class LiaisonAdmin(SimpleHistoryAdmin):
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
class OfficialMediaAccountAdmin(SimpleHistoryAdmin):
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
