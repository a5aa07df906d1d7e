"""Leads in the admin are read only: every change goes through leads.services (the inbox's pages, the API)."""

from django.contrib import admin

from .models import Lead


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ("title", "platform", "source_system", "status", "received_at", "times_seen")
    list_filter = ("status", "source_system")
    search_fields = ("title", "url", "external_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
