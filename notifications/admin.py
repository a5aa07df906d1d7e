"""Notices and group robots in the admin: a person sees their own notices; the system admin configures robots."""

from django.contrib import admin

from opinion_system.history_admin import HistoryAdmin

from .models import Notice, WebhookEndpoint


@admin.register(Notice)
class NoticeAdmin(HistoryAdmin):
    """Notices are written by the services and the sweep; here they are looked at."""

    list_display = ("subject", "recipient", "channel", "kind", "created_at", "sent_at", "read_at", "attempts")
    list_filter = ("channel", "kind")
    search_fields = ("subject", "recipient__username", "recipient__full_name")
    list_select_related = ("recipient",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(recipient=request.user)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(HistoryAdmin):
    """Group robots are configuration: the system admin adds them; notices are routed by department or role."""

    list_display = ("name", "flavor", "department", "role", "is_active")
    list_filter = ("flavor", "is_active", "department")
    search_fields = ("name", "url")
    list_select_related = ("department",)

    def has_delete_permission(self, request, obj=None):
        return False
