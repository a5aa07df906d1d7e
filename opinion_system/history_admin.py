"""django-simple-history's admin pages, read-only for everyone.

A revert posted to the history form would save an old state with a plain `save()`: an archived incident back
to 已上报, a statement's approval cleared, a department's head changed without its grants — every rule of the
services bypassed and no case-log line written. So the history form answers GET only, whoever asks (a
superuser too); changes go through the pages and the services. The history pages show only objects the admin's
own queryset shows the user (simple-history would otherwise rebuild a hidden object from its history rows),
and a model that keeps no history has Django's plain history page instead of a simple-history one that fails.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin

REVERT_REFUSED = "历史记录只供查看，不能在此恢复旧版本：修改请通过业务页面办理，系统会记录操作人和原因。"


def keeps_history(model) -> bool:
    manager = getattr(model._meta, "simple_history_manager_attribute", None)
    return bool(manager and hasattr(model, manager))


class SearchInputMixin:
    """A search term is text: a NUL byte (which PostgreSQL refuses in a string) is dropped, not a 500."""

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))


class HistoryAdmin(SearchInputMixin, SimpleHistoryAdmin):
    """Admin with simple-history's pages, which only show."""

    def __init__(self, model, admin_site):
        super().__init__(model, admin_site)
        if not keeps_history(model):
            self.object_history_template = admin.ModelAdmin.object_history_template

    def get_urls(self):
        if not keeps_history(self.model):
            return admin.ModelAdmin.get_urls(self)  # no simple-history form URL for a model without history
        return super().get_urls()

    def history_view(self, request, object_id, extra_context=None):
        if not keeps_history(self.model):
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        self._visible_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method != "GET":
            raise PermissionDenied(REVERT_REFUSED)
        self._visible_or_404(request, object_id)
        if not str(version_id).isascii() or not str(version_id).isdigit():
            raise Http404("历史版本不存在")
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True

    def _visible_or_404(self, request, object_id):
        """The object as this admin's queryset shows it to the user, or 404 (a forged or hidden id alike)."""
        try:
            obj = self.get_queryset(request).filter(pk=unquote(object_id)).first()
        except (ValueError, TypeError, ValidationError):
            obj = None
        if obj is None or not self.has_view_or_change_permission(request, obj):
            raise Http404("记录不存在")
        return obj
