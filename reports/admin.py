"""The work archive in the admin: looked at, never edited (the jobs and the office's pages write it)."""

from django.contrib import admin

from incidents.admin import ReadOnlyAdmin, VisibleIncidentMixin

from .models import ArchiveExport, Dossier


@admin.register(Dossier)
class DossierAdmin(VisibleIncidentMixin, ReadOnlyAdmin):
    list_display = ("incident", "status", "progress", "pages", "generation", "finished_at", "verified_ok")
    list_filter = ("status", "verified_ok")
    search_fields = ("incident__number", "sha256")
    list_select_related = ("incident",)
    exclude = ("file",)  # downloaded through the page that checks access and the SHA-256
    readonly_fields = ("sha256", "data_sha256", "error")


@admin.register(ArchiveExport)
class ArchiveExportAdmin(ReadOnlyAdmin):
    list_display = (
        "period_start",
        "period_end",
        "status",
        "total",
        "requested_by",
        "requested_at",
        "finished_at",
    )
    list_filter = ("status",)
    exclude = ("file",)

    def has_view_permission(self, request, obj=None):
        from .access import can_manage_archive

        return can_manage_archive(request.user) or request.user.is_superuser
