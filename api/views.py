"""The REST API (/api/v1/): every view asks the access module first, exactly as the pages do.

An incident the client's account may not see is 404, as if it did not exist (incidents.access); a lead is
pushed and read as leads.access decides. The account is the ApiClient's user (api.authentication).
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_safe
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import authentication, exceptions, generics, status
from rest_framework.response import Response

from incidents import access as incident_access
from leads import access as lead_access
from leads.services import MAX_SCREENSHOTS, lead_receive
from notifications.selectors import notice_list, notice_list_as_seen

from .authentication import ApiTokenAuthentication
from .serializers import (
    DeadlineSerializer,
    IncidentSerializer,
    LeadInputSerializer,
    LeadSerializer,
    NoticeSerializer,
    now_context,
)


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_detail = "上传内容过大。"
    default_code = "payload_too_large"


def refuse_huge_body(request) -> None:
    """A body larger than a lead may be is refused before any of it is read: with its screenshots for multipart,
    else the form limit (DRF's parsers read a JSON body whole, past Django's own check)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if request.content_type.startswith("multipart/"):
        limit += settings.EVIDENCE_MAX_BYTES * MAX_SCREENSHOTS
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise PayloadTooLarge(
            f"上传内容过大：每张截图不超过 {settings.EVIDENCE_MAX_BYTES // (1024 * 1024)} MB。"
        )


@extend_schema(tags=["线索"])
class LeadList(generics.ListCreateAPIView):
    """第七条: the 实训（信息）中心's monitoring pushes what it detects; the office judges it in the inbox."""

    serializer_class = LeadSerializer

    def get_queryset(self):
        lead_access.require_push(self.request.user)
        return lead_access.leads_visible_to(self.request.user).order_by("-received_at", "-id")

    @extend_schema(
        summary="本账号推送的线索",
        description="党群工作部看到全部线索；实训（信息）中心的账号看到自己推送的。",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="推送一条线索",
        description="新线索答 201；同一网址或同一来源系统编号再次推送答 200，返回已有线索（推送次数加一）。"
        "只有实训（信息）中心或党群工作部的账号可以推送（否则 403）。",
        request={"application/json": LeadInputSerializer, "multipart/form-data": LeadInputSerializer},
        responses={201: LeadSerializer, 200: LeadSerializer},
    )
    def post(self, request, *args, **kwargs):
        lead_access.require_push(request.user)
        refuse_huge_body(request)
        given = LeadInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        lead, created = lead_receive(submitted_by=request.user, **given.validated_data)
        answer = LeadSerializer(lead, context=self.get_serializer_context()).data
        return Response(answer, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


@extend_schema(tags=["线索"], summary="一条线索", description="看不到的线索与不存在的一样，答 404。")
class LeadDetail(generics.RetrieveAPIView):
    serializer_class = LeadSerializer

    def get_object(self):
        return generics.get_object_or_404(
            lead_access.leads_visible_to(self.request.user), pk=self.kwargs["pk"]
        )


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
@require_safe
def docs(request):
    """Swagger UI from drf-spectacular-sidecar's files under /static/, started by static/js/api-docs.js."""
    return render(request, "api/docs.html")
