"""Configuration pages; every save goes through departments.services so grants stay in step."""

import copy

from axes.admin import AccessAttemptAdmin as BaseAccessAttemptAdmin
from axes.admin import AccessFailureLogAdmin as BaseAccessFailureLogAdmin
from axes.admin import AccessLogAdmin as BaseAccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm as BaseUserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from opinion_system.errors import DomainError
from opinion_system.history_admin import HistoryAdmin, SearchInputMixin

from . import access, services
from .models import Department, Liaison, OfficialMediaAccount, User
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
        if self.instance.pk and "appointed_roles" in self.fields:
            self.fields["appointed_roles"].initial = [
                role.value for role in access.held_roles(self.instance) if role in services.APPOINTED_ROLES
            ]


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
    search_fields = ("username", "full_name", "phone", "email", "wecom_userid", "dingtalk_userid")
    list_select_related = ("department",)
    fieldsets = (
        *_fields_without(BaseUserAdmin.fieldsets, {"groups"}),
        ("角色", {"fields": ("appointed_roles", "derived_roles")}),
        ("所在部门", {"fields": ("full_name", "department", "phone")}),
        # Where the person's own notices go (notifications' wecom and dingtalk channels); not a right, so
        # whoever may change the account may fill them, and a superuser's stay the superuser's (has_change_permission).
        ("消息推送", {"fields": ("wecom_userid", "dingtalk_userid")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("所在部门", {"fields": ("full_name", "department", "phone")}),
        ("消息推送", {"fields": ("wecom_userid", "dingtalk_userid")}),
    )

    @admin.display(description="随部门信息确定的角色")
    def derived_roles(self, obj):
        derived = (
            [str(role.label) for role in access.held_roles(obj) if role not in services.APPOINTED_ROLES]
            if obj
            else []
        )
        return "、".join(derived) or "无"

    @admin.display(description="任命的角色")
    def appointed_roles_shown(self, obj):
        held = access.held_roles(obj) if obj else frozenset()
        return "、".join(str(role.label) for role in Role if role in held & services.APPOINTED_ROLES) or "无"

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser makes superusers or grants single permissions: a user administrator who could tick
        # 超级用户状态 on their own account would hold every right of the system.
        fixed = (
            ("derived_roles", "appointed_roles_shown")
            if request.user.is_superuser
            else ("derived_roles", "appointed_roles_shown", "is_superuser", "user_permissions")
        )
        return (*super().get_readonly_fields(request, obj), *fixed)

    def _may_set_roles(self, request, obj) -> bool:
        """三员分立: the security administrator gives roles, never their own; the system administrator does not."""
        actor = request.user
        return access.may_assign_roles(actor) and (actor.is_superuser or obj.pk != actor.pk)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self._may_set_roles(request, obj):
            return fieldsets
        return tuple(
            (title, {**options, "fields": tuple(
                "appointed_roles_shown" if f == "appointed_roles" else f for f in options["fields"]
            )})
            for title, options in fieldsets
        )  # fmt: skip

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is not None and not self._may_set_roles(request, obj):
            del form.base_fields["appointed_roles"]  # a declared field: shown read-only instead, never read
            return form
        if request.user.is_superuser or "appointed_roles" not in form.base_fields:
            return form
        # The roles only a superuser appoints are not offered (this class's own copy of the field).
        field = copy.deepcopy(form.base_fields["appointed_roles"])
        field.choices = [(v, label) for v, label in field.choices if v not in services.SUPERUSER_ROLES]
        form.base_fields["appointed_roles"] = field
        return form

    def user_change_password(self, request, id, form_url=""):
        # Setting another person's password is the security administrator's (or a superuser's) work: a system
        # administrator who could would sign in as anybody, the office included.
        if not access.may_assign_roles(request.user):
            raise PermissionDenied("只有安全管理员可以重设他人的密码。")
        response = super().user_change_password(request, id, form_url)
        target = unquote(id)
        # Django's success path, and only it, goes back to the user's page.
        saved = getattr(response, "url", None) == reverse("admin:departments_user_change", args=[target])
        if request.method == "POST" and saved and str(request.user.pk) != target:
            # A password an administrator chose is known to two people: its holder changes it at next sign-in.
            User.objects.filter(pk=target).update(must_change_password=True)
        return response

    def save_model(self, request, obj, form, change):
        if not change:
            obj.must_change_password = True  # the initial password: the new person chooses their own
        super().save_model(request, obj, form, change)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # nor change a superuser's password or account
        return super().has_change_permission(request, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "appointed_roles" in form.cleaned_data:
            roles = {Role(r) for r in form.cleaned_data["appointed_roles"]}
            if not request.user.is_superuser:  # not offered: kept as they are
                roles |= access.held_roles(form.instance) & services.SUPERUSER_ROLES
            services.user_set_roles(actor=request.user, user=form.instance, roles=roles)


@admin.register(Department)
class DepartmentAdmin(HistoryAdmin):
    list_display = ("name", "code", "kind", "duty", "head", "supervising_leader", "is_example", "is_active")
    list_filter = ("kind", "duty", "is_example", "is_active")
    search_fields = ("name", "code")
    list_select_related = ("head", "supervising_leader")
    autocomplete_fields = ("head", "supervising_leader")

    def get_readonly_fields(self, request, obj=None):
        # The head and the supervising leader carry the department's rights: not the system administrator's.
        if access.may_set_department_people(request.user):
            return super().get_readonly_fields(request, obj)
        return (*super().get_readonly_fields(request, obj), "head", "supervising_leader")

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

    # Offered to who may change the register (the office); the service decides again.
    @admin.action(description="联络员备案（登记为已备案）", permissions=["change"])
    def register(self, request, queryset):
        done = 0
        for liaison in queryset.select_related("user", "department"):
            try:
                services.liaison_register(
                    actor=request.user, department=liaison.department, user=liaison.user, phone=liaison.phone
                )
                done += 1
            except DomainError as exc:
                messages.error(request, f"{liaison}：{exc.message}")
        if done:
            messages.success(request, f"已完成 {done} 名联络员的备案。")

    @admin.action(description="停用所选联络员", permissions=["change"])
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


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(SearchInputMixin, BaseGroupAdmin):
    """Groups carry the roles' model permissions: set at installation by a superuser, only looked at by others.

    A group administrator who could tick permissions would give their own group every right of the system."""

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class AccessAttemptAdmin(BaseAccessAttemptAdmin):
    """django-axes' lockouts, which the security administrator clears."""

    @admin.action(description=BaseAccessAttemptAdmin.cleanup_expired_attempts.short_description)
    def cleanup_expired_attempts(self, request, queryset):
        # django-axes reads the cool-off threshold from the time it stamps on a sign-in request; an admin
        # request has none and its action answered 500.
        request.axes_attempt_time = timezone.now()
        return super().cleanup_expired_attempts(request, queryset)


# django-axes' records of sign-ins and failures are kept: nobody deletes them in the admin, a superuser included
# (the security log keeps the same events append-only).
admin.site.unregister(AccessLog)
admin.site.unregister(AccessFailureLog)


@admin.register(AccessLog)
class AccessLogAdmin(BaseAccessLogAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(BaseAccessFailureLogAdmin):
    def has_delete_permission(self, request, obj=None):
        return False
