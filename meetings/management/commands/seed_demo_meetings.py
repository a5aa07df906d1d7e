"""manage.py seed_demo_meetings: one joint meeting held (第四条), with a decision on a demo incident being disposed
of and an open 隐患排查 item (after seed_demo; skipped when meetings exist or the demo college is missing)."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from departments.models import Department, User
from incidents.models import Incident, Status
from meetings import services
from meetings.models import JointMeeting

LEADERS = ["shuji", "yuanzhang", "fuzuzhang", "office1"]


class Command(BaseCommand):
    help = (
        "载入演示用的联席会议（第四条）：已召开的会议一次，含对一起舆情的研判决定和一项未办结的隐患排查事项。"
    )

    def handle(self, *args, **options):
        if JointMeeting.objects.exists() or not Department.objects.filter(code="DQGZB").exists():
            self.stdout.write("联席会议已有记录或尚无演示部门，跳过。")
            return
        incident = (
            Incident.objects.filter(status=Status.IN_DISPOSAL, level__isnull=False)
            .select_related("responsible_department__head")
            .order_by("level", "pk")
            .first()
        )
        if incident is None:
            self.stdout.write("演示数据中没有处置中的舆情，跳过。")
            return
        office = User.objects.get(username="office1")
        head = incident.responsible_department.head
        attendees = [*User.objects.filter(username__in=LEADERS), *([head] if head else [])]
        now = timezone.now()
        meeting = services.meeting_convene(
            actor=office,
            title=f"{timezone.localdate():%Y} 年第 1 次网络舆情联席会议",
            held_at=now - dt.timedelta(days=1, hours=2),
            place="行政楼三楼第一会议室",
            attendees=attendees,
            invited_departments=[incident.responsible_department],
            outside_attendees="市委网信办联络员（列席）",
            agenda="一、通报近期网络舆情态势；二、研判重点舆情并确定处置方案；三、排查近期舆情风险隐患。",
            incidents=[incident],
        )
        services.meeting_record_minutes(
            actor=office,
            meeting=meeting,
            minutes=(
                "会议通报了近期网络舆情总体态势，对重点舆情逐一研判。会议认为当前舆情总体可控，"
                "要求责任部门加强与网民沟通，及时发布权威信息，防止舆情扩散。"
            ),
            decisions=[
                services.DecisionInput(
                    incident=incident,
                    decision=f"维持{incident.get_level_display()}响应，由{incident.responsible_department.name}牵头处置。",
                    plan="一、当日内核实情况并形成书面说明；二、经党政办审定后通过官方账号回应；三、每日向领导小组办公室报告进展。",
                )
            ],
            risks=[
                services.RiskInput(
                    description="排查近期学生集中反映的诉求，梳理可能引发舆情的风险点并形成清单。",
                    owner=head or office,
                    due_on=timezone.localdate() + dt.timedelta(days=3),
                )
            ],
        )
        self.stdout.write(self.style.SUCCESS(f"已载入联席会议 1 次（研究 {incident.number}）。"))
