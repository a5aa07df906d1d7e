"""The REST API (/api/v1/): every view asks the access module first, exactly as the pages do.

An incident the client's account may not see is 404, as if it did not exist (incidents.access); a lead is
pushed and read as leads.access decides. The account is the ApiClient's user (api.authentication).
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import authentication, generics

from incidents import access as incident_access
from notifications.selectors import notice_list, notice_list_as_seen

from .authentication import ApiTokenAuthentication
from .serializers import DeadlineSerializer, IncidentSerializer, NoticeSerializer, now_context


@extend_schema(
    tags=["舆情"], summary="可查看的舆情列表", description="本账号有权查看的舆情，按上报时间从新到旧。"
)
class IncidentList(generics.ListAPIView):
    serializer_class = IncidentSerializer

    def get_queryset(self):
        visible = incident_access.incidents_visible_to(self.request.user)
        return visible.select_related("reporting_department", "responsible_department")


@extend_schema(tags=["舆情"], summary="一条舆情", description="无权查看的舆情与不存在的一样，答 404。")
class IncidentDetail(generics.RetrieveAPIView):
    serializer_class = IncidentSerializer

    def get_object(self):
        return incident_access.access_incident(self.request.user, self.kwargs["pk"])


@extend_schema(
    tags=["舆情"],
    summary="一条舆情的时限",
    description="该舆情的全部时限（报送处置表、互通信息、一级响应事项等），按截止时间排列；无权查看的舆情答 404。",
)
class IncidentDeadlines(generics.ListAPIView):
    serializer_class = DeadlineSerializer

    def get_queryset(self):
        incident = incident_access.access_incident(self.request.user, self.kwargs["pk"])
        return incident.deadlines.order_by("due_at", "id")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **now_context()}


@extend_schema(
    tags=["通知"],
    summary="本账号的站内通知",
    description="从新到旧；已移交其他部门的舆情只显示通知类型和时间。",
)
class NoticeList(generics.ListAPIView):
    serializer_class = NoticeSerializer

    def get_queryset(self):
        return notice_list(user=self.request.user)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return notice_list_as_seen(user=self.request.user, notices=page)


class SchemaView(SpectacularAPIView):
    """The OpenAPI document: for a client with its token, or a signed-in person (the docs page reads it)."""

    authentication_classes = [ApiTokenAuthentication, authentication.SessionAuthentication]


@login_required
def docs(request):
    """Swagger UI from drf-spectacular-sidecar's files under /static/, started by static/js/api-docs.js."""
    return render(request, "api/docs.html")
