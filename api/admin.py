"""API clients in the admin: listed, switched off, given a new token; the token itself is never shown again.

A client acts as an account, so issuing one is handing out that account's rights: only a superuser (kept for
installation) does it here, the system administrator included gives no rights (三员分立).
"""

from django.contrib import admin, messages

from opinion_system.history_admin import HistoryAdmin

from . import services
from .models import ApiClient


@admin.register(ApiClient)
class ApiClientAdmin(HistoryAdmin):
    list_display = (
        "name",
        "user",
        "token_prefix",
        "is_active",
        "rate_per_minute",
        "created_at",
        "last_used_at",
    )
    list_filter = ("is_active",)
    search_fields = ("name", "user__username", "user__full_name", "token_prefix")
    list_select_related = ("user",)
    fields = ("name", "user", "token_prefix", "rate_per_minute", "is_active", "created_at", "last_used_at")
    actions = ["deactivate_clients", "issue_tokens"]

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return False  # shown, never edited: its two changes are the actions below, through the services

    def has_superuser_permission(self, request) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False  # manage.py api_client_create: the token is printed once, on the operator's terminal

    def has_delete_permission(self, request, obj=None):
        return False  # switched off instead: its history and the security log keep naming it

    @admin.action(description="停用所选接口客户端", permissions=["superuser"])
    def deactivate_clients(self, request, queryset):
        for client in queryset:
            services.api_client_deactivate(actor=request.user, client=client)
        self.message_user(request, f"已停用 {queryset.count()} 个接口客户端。", messages.SUCCESS)

    @admin.action(description="为所选客户端重新签发令牌（旧令牌立即失效）", permissions=["superuser"])
    def issue_tokens(self, request, queryset):
        for client in queryset:
            token = services.api_client_issue_token(actor=request.user, client=client)
            # Shown this once, to the superuser who asked; only its hash is kept.
            self.message_user(
                request, f"{client.name} 的新令牌（只显示这一次，请立即保存）：{token}", messages.WARNING
            )
