"""What the API shows of incidents, their deadlines and a person's notices: read-only, in Chinese labels.

Times are ISO 8601 in Beijing time (+08:00, TIME_ZONE); a choice is its code with its Chinese label.
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from departments.models import Department
from incidents.models import Deadline, Incident
from leads.models import Lead
from notifications.kinds import kind_label
from notifications.models import Notice


class CodeLabel(serializers.Serializer):
    code = serializers.CharField(help_text="代码")
    label = serializers.CharField(help_text="中文名称")


class LevelCodeLabel(serializers.Serializer):
    code = serializers.IntegerField(help_text="响应级别：3 三级、2 二级、1 一级（1 最严重）")
    label = serializers.CharField(help_text="中文名称")


def code_label(obj, name: str) -> dict | None:
    code = getattr(obj, name)
    if code in (None, ""):
        return None
    return {"code": code, "label": getattr(obj, f"get_{name}_display")()}


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name"]


class IncidentSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField(help_text="办理状态")
    level = serializers.SerializerMethodField(help_text="响应级别；研判前为空")
    category = serializers.SerializerMethodField(help_text="舆情类别（第六条）；研判前为空")
    reporting_department = DepartmentSerializer(read_only=True, help_text="上报部门")
    responsible_department = DepartmentSerializer(read_only=True, allow_null=True, help_text="责任部门")
    page_url = serializers.SerializerMethodField(help_text="该舆情在系统中的页面地址")

    class Meta:
        model = Incident
        fields = [
            "id", "number", "title", "status", "level", "category", "reporting_department",
            "responsible_department", "discovered_at", "reported_at", "summary", "page_url",
        ]  # fmt: skip

    @extend_schema_field(CodeLabel)
    def get_status(self, incident) -> dict:
        return code_label(incident, "status")

    @extend_schema_field(LevelCodeLabel(allow_null=True))
    def get_level(self, incident) -> dict | None:
        return code_label(incident, "level")

    @extend_schema_field(CodeLabel(allow_null=True))
    def get_category(self, incident) -> dict | None:
        return code_label(incident, "category")

    def get_page_url(self, incident) -> str:
        return self.context["request"].build_absolute_uri(incident.page_path)


class DeadlineSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField(help_text="时限类型")
    state = serializers.SerializerMethodField(help_text="状态：进行中、已完成、逾期未报、已撤销")
    overdue = serializers.SerializerMethodField(help_text="是否逾期：进行中且已过截止时间，或逾期未报")
    met_late = serializers.SerializerMethodField(help_text="是否逾期后才完成")

    class Meta:
        model = Deadline
        fields = ["id", "kind", "due_at", "state", "overdue", "met_at", "met_late", "closed_at", "misses"]

    @extend_schema_field(CodeLabel)
    def get_kind(self, deadline) -> dict:
        return code_label(deadline, "kind")

    @extend_schema_field(CodeLabel)
    def get_state(self, deadline) -> dict:
        return code_label(deadline, "state")

    def get_overdue(self, deadline) -> bool:
        if deadline.state == Deadline.State.MISSED:
            return True
        return deadline.state == Deadline.State.OPEN and deadline.due_at < self.context["now"]

    def get_met_late(self, deadline) -> bool:
        return deadline.met_late


class NoticeSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField(help_text="通知类型")
    incident = serializers.SerializerMethodField(
        help_text="相关舆情的 id；与舆情无关，或已无权查看该舆情时为空"
    )
    link = serializers.SerializerMethodField(help_text="相关页面地址；无则为空")

    class Meta:
        model = Notice
        fields = ["id", "kind", "subject", "text", "incident", "link", "created_at", "read_at"]

    @extend_schema_field(CodeLabel)
    def get_kind(self, notice) -> dict:
        return {"code": notice.kind, "label": kind_label(notice.kind)}

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_incident(self, notice) -> int | None:
        return None if getattr(notice, "hidden", False) else notice.incident_id

    def get_link(self, notice) -> str:
        return self.context["request"].build_absolute_uri(notice.link) if notice.link else ""


def now_context() -> dict:
    return {"now": timezone.now()}


class LeadInputSerializer(serializers.Serializer):
    """What a monitoring tool pushes (JSON, or multipart with a screenshot)."""

    platform = serializers.CharField(max_length=100, help_text="平台或媒体名称，如：微博、抖音、百度贴吧")
    url = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text="原帖网址（http/https）"
    )
    title = serializers.CharField(max_length=200, help_text="标题")
    text = serializers.CharField(required=False, allow_blank=True, default="", help_text="内容摘录")
    captured_at = serializers.DateTimeField(help_text="发现时间（ISO 8601，不带时区按北京时间）")
    source_system = serializers.CharField(max_length=100, help_text="来源系统名称，如：实训中心舆情监测")
    external_id = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="线索在来源系统中的编号；与网址至少填一项，用于识别重复推送",
    )
    screenshot = serializers.FileField(
        required=False, help_text="截图（PNG、JPEG、GIF、WebP 或 PDF，仅 multipart/form-data）"
    )


class LeadSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField(help_text="处理状态：待处理、已转为舆情、已并入舆情、已排除")
    incident = serializers.SerializerMethodField(help_text="转为或并入的舆情的 id；尚未处理时为空")

    class Meta:
        model = Lead
        fields = [
            "id", "platform", "url", "title", "text", "captured_at", "source_system", "external_id", "status",
            "incident", "times_seen", "received_at", "last_seen_at", "handled_at", "dismiss_reason",
        ]  # fmt: skip

    @extend_schema_field(CodeLabel)
    def get_status(self, lead) -> dict:
        return code_label(lead, "status")

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_incident(self, lead) -> int | None:
        return lead.incident_id
