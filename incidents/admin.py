"""Incidents in the admin: read-only records, filtered by the access module; changes only by the services.

The admin shows and searches; the workflow's own actions (file, archive) call the same service functions
as the pages, so nothing here bypasses a rule of the regulation.
"""

from django.contrib import admin, messages

from opinion_system.errors import DomainError
from opinion_system.history_admin import HistoryAdmin

from . import access, services
from .models import (
    Deadline,
    DisposalForm,
    DisposalTeamMember,
    Evidence,
    GradeEscalation,
    Incident,
    IncidentEvent,
    IncidentSource,
    LevelOneDuty,
    ProgressReport,
    ReplyStatement,
    ReviewMeeting,
    ReviewWaiver,
    SchedulerHeartbeat,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


class SourceInline(ReadOnlyInline):
    model = IncidentSource


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    exclude = ("file",)

    def get_readonly_fields(self, request, obj=None):
        return [f for f in super().get_readonly_fields(request, obj) if f != "file"]


class EscalationInline(ReadOnlyInline):
    model = GradeEscalation


class DeadlineInline(ReadOnlyInline):
    model = Deadline
    fields = ("kind", "due_at", "state", "met_at", "closed_reason")


class EventInline(ReadOnlyInline):
    model = IncidentEvent
    fk_name = "incident"
    fields = ("created_at", "kind", "actor", "message", "reason")


class ReadOnlyAdmin(HistoryAdmin):
    """Records are written by services; here they are looked at."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class VisibleIncidentMixin:
    """Rows of an incident the user cannot see are not in the admin either."""

    incident_path = "incident"

    def get_queryset(self, request):
        visible = access.incidents_visible_to(request.user).values("pk")
        return super().get_queryset(request).filter(**{f"{self.incident_path}__in": visible})


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "title",
        "responsible_department",
        "category",
        "level",
        "status",
        "reported_at",
        "reporter",
    )
    list_filter = ("status", "level", "category", "responsible_department", "reported_at")
    search_fields = ("number", "title", "summary", "sources__url", "sources__platform")
    list_select_related = ("responsible_department", "reporter")
    date_hierarchy = "reported_at"
    inlines = [SourceInline, EvidenceInline, EscalationInline, DeadlineInline, EventInline]
    actions = ["file_forms", "archive"]

    def get_queryset(self, request):
        return access.incidents_visible_to(request.user).select_related("responsible_department", "reporter")

    def has_view_permission(self, request, obj=None):
        if obj is not None:
            return access.can_view(request.user, obj)
        # The roles that look at incident records (their groups hold incidents.view_incident); the
        # administrators of 三员分立 hold no incident role and get no list, not even an empty one.
        return (
            request.user.is_active
            and request.user.is_staff
            and request.user.has_perm("incidents.view_incident")
        )

    def _run(self, request, queryset, service, done: str):
        ok = 0
        for incident in queryset:
            try:
                service(incident=incident, actor=request.user)
                ok += 1
            except DomainError as exc:
                messages.error(request, f"{incident.number}：{exc.message}")
        if ok:
            messages.success(request, f"{ok} 条舆情{done}。")

    @admin.action(description="审核备案所选舆情的处置表")
    def file_forms(self, request, queryset):
        self._run(request, queryset, services.disposal_form_file, "已审核备案")

    @admin.action(description="归档所选舆情")
    def archive(self, request, queryset):
        self._run(request, queryset, services.incident_archive, "已归档")


@admin.register(ReplyStatement)
class ReplyStatementAdmin(VisibleIncidentMixin, ReadOnlyAdmin):
    list_display = ("incident", "number", "status", "author", "submitted_at", "reviewed_by", "reviewed_at")
    list_filter = ("status",)
    search_fields = ("incident__number", "text")
    list_select_related = ("incident", "author", "reviewed_by")


@admin.register(DisposalForm)
class DisposalFormAdmin(VisibleIncidentMixin, ReadOnlyAdmin):
    list_display = (
        "incident",
        "review_status",
        "head_signed_by",
        "head_signed_at",
        "submitted_at",
        "reviewed_at",
    )
    list_filter = ("review_status",)
    search_fields = ("incident__number", "incident__title")
    list_select_related = ("incident", "head_signed_by")


@admin.register(ProgressReport)
class ProgressReportAdmin(VisibleIncidentMixin, ReadOnlyAdmin):
    list_display = ("incident", "created_at", "author", "level_at_time")
    list_filter = ("level_at_time",)
    search_fields = ("incident__number", "content")
    list_select_related = ("incident", "author")


@admin.register(GradeEscalation)
class GradeEscalationAdmin(VisibleIncidentMixin, ReadOnlyAdmin):
    list_display = ("incident", "from_level", "to_level", "reason", "actor", "created_at")
    list_filter = ("to_level",)
    search_fields = ("incident__number", "reason")
    list_select_related = ("incident", "actor")


@admin.register(LevelOneDuty)
class LevelOneDutyAdmin(VisibleIncidentMixin, ReadOnlyAdmin):
    list_display = ("incident", "kind", "required_since", "done_at", "method", "recipient", "cancelled_at")
    list_filter = ("kind",)
    search_fields = ("incident__number", "recipient")
    list_select_related = ("incident",)


@admin.register(ReviewMeeting)
class ReviewMeetingAdmin(VisibleIncidentMixin, ReadOnlyAdmin):
    list_display = ("incident", "held_at", "place", "recorded_by", "recorded_at")
    search_fields = ("incident__number", "summary", "attendees")
    list_select_related = ("incident", "recorded_by")


@admin.register(ReviewWaiver)
class ReviewWaiverAdmin(VisibleIncidentMixin, ReadOnlyAdmin):
    list_display = ("incident", "waived_by", "waived_at", "reason")
    search_fields = ("incident__number", "reason")
    list_select_related = ("incident", "waived_by")


@admin.register(DisposalTeamMember)
class DisposalTeamMemberAdmin(VisibleIncidentMixin, ReadOnlyAdmin):
    list_display = ("incident", "role", "user", "name", "unit", "phone")
    list_filter = ("role",)
    search_fields = ("incident__number", "name", "unit", "user__full_name")
    list_select_related = ("incident", "user")


@admin.register(Deadline)
class DeadlineAdmin(VisibleIncidentMixin, ReadOnlyAdmin):
    list_display = ("incident", "kind", "due_at", "state", "met_at", "closed_reason")
    list_filter = ("kind", "state")
    search_fields = ("incident__number",)
    list_select_related = ("incident",)


@admin.register(IncidentEvent)
class IncidentEventAdmin(VisibleIncidentMixin, ReadOnlyAdmin):
    list_display = ("incident", "created_at", "kind", "actor", "message")
    list_filter = ("kind",)
    search_fields = ("incident__number", "message", "reason")
    list_select_related = ("incident", "actor")


@admin.register(IncidentSource)
class IncidentSourceAdmin(VisibleIncidentMixin, ReadOnlyAdmin):
    list_display = ("incident", "platform", "url")
    search_fields = ("incident__number", "platform", "url")
    list_select_related = ("incident",)


@admin.register(Evidence)
class EvidenceAdmin(VisibleIncidentMixin, ReadOnlyAdmin):
    list_display = (
        "incident",
        "original_name",
        "content_type",
        "size",
        "sha256",
        "uploaded_by",
        "uploaded_at",
    )
    list_filter = ("content_type",)
    search_fields = ("incident__number", "original_name", "sha256")
    list_select_related = ("incident", "uploaded_by")
    exclude = ("file",)  # downloaded only through the page that checks access


@admin.register(SchedulerHeartbeat)
class SchedulerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ("last_sweep_at", "last_duration_ms", "last_processed")
