"""manage.py seed_demo_bulletins: one issued 舆情通报 (read by some departments, not yet by others) and one draft
in the demo (after seed_demo; skipped when bulletins exist or the demo college is missing)."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from bulletins import services
from bulletins.models import Bulletin
from departments.models import Department, User
from incidents.models import Incident
from opinion_system import clock

ISSUED_BODY = (
    "上月我校网络舆情总体平稳，各部门按照《网络舆情处置工作细则》及时报告、分级处置，未发生重大网络舆情。\n"
    "个别部门存在首报不及时、处置表报备超时的情况，请各部门进一步落实属地管理责任，"
    "联络员每日关注本部门相关网络信息，发现舆情第一时间报告领导小组办公室。"
)
DRAFT_BODY = "本周共受理网络舆情若干起，均已按程序处置。（草稿，待补充各部门处置情况）"
LINKED = ["网传“学生宿舍楼起火”视频在抖音、微博传播", "学生反映宿舍热水器坏了一周无人维修"]


class Command(BaseCommand):
    help = "载入演示用的舆情通报：已印发一期（部分部门已阅读）、草稿一份。"

    def handle(self, *args, **options):
        if Bulletin.objects.exists() or not Department.objects.filter(code="DQGZB").exists():
            self.stdout.write("舆情通报已有记录或尚无演示部门，跳过。")
            return
        office = User.objects.get(username="office1")
        leader = User.objects.get(username="fuzuzhang")
        now = timezone.now()
        today = timezone.localdate()
        last_month_end = today.replace(day=1) - dt.timedelta(days=1)
        with clock.travel(now - dt.timedelta(days=3)):
            issued = services.bulletin_create(
                actor=office,
                title=f"关于{last_month_end.year}年{last_month_end.month}月网络舆情情况的通报",
                body=ISSUED_BODY,
                period_start=last_month_end.replace(day=1),
                period_end=last_month_end,
                incidents=list(Incident.objects.filter(title__in=LINKED)),
            )
            services.bulletin_submit(actor=office, bulletin=issued)
            services.bulletin_approve(actor=leader, bulletin=issued)
            issued = services.bulletin_issue(actor=office, bulletin=issued)
        with clock.travel(now - dt.timedelta(days=2)):
            for username in ("jyc_liaison", "rmtzx_head"):
                reader = User.objects.filter(username=username).first()
                if reader is not None:
                    services.bulletin_open(user=reader, bulletin=issued)
        services.bulletin_create(
            actor=office,
            title="关于本周网络舆情情况的通报",
            body=DRAFT_BODY,
            period_start=today - dt.timedelta(days=6),
            period_end=today,
        )
        self.stdout.write(self.style.SUCCESS(f"已载入舆情通报：{issued.number_text}（已印发）和草稿一份。"))
