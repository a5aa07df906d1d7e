"""manage.py seed_demo_ledger: a few decisions of 第十五条 in the demo's 奖惩台账, linked to its incidents (after
seed_demo; skipped when the ledger already holds entries or the demo college is missing)."""

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone

from departments.models import Department, User
from evaluation import services
from evaluation.models import LedgerEntry
from incidents.models import Incident

K = LedgerEntry.Kind
# kind, department, the person (a user name) or a named subject, decision, decided by, days ago, incident titles
ENTRIES = [
    (K.COMMENDATION, "RMTZX", "", "融媒体中心网络舆情监测平台",
     "监测平台第一时间发现“网传学生宿舍楼起火”视频并报告，为及时澄清赢得主动，予以通报表扬。",
     "学校网络舆情处置工作领导小组", 30, ["网传“学生宿舍楼起火”视频在抖音、微博传播"]),
    (K.REWARD, "JYC", "jyc_liaison", "",
     "在学生实习权益舆情处置中信息报送及时、情况核实准确，年度考核加分。",
     "学校网络舆情处置工作领导小组", 20, ["学生在微博投诉顶岗实习单位超时加班、克扣实习补贴"]),
    (K.CRITICISM, "HQBWC", "hqbwc_head", "",
     "宿舍热水器报修积压一周无人处理引发舆情，处置表两次退回，对部门负责人批评教育并责令整改。",
     "学校党委", 3, ["学生反映宿舍热水器坏了一周无人维修"]),
]  # fmt: skip


class Command(BaseCommand):
    help = "载入演示用的奖惩台账（第十五条）：表彰、奖励、批评教育各一条。"

    def handle(self, *args, **options):
        if LedgerEntry.objects.exists() or not Department.objects.filter(code="DQGZB").exists():
            self.stdout.write("奖惩台账已有记录或尚无演示部门，跳过。")
            return
        office = User.objects.get(username="office1")
        today = timezone.localdate()
        for kind, code, username, subject, decision, decided_by, days, titles in ENTRIES:
            services.ledger_entry_create(
                actor=office,
                kind=kind,
                department=Department.objects.get(code=code),
                decision=decision,
                decided_by=decided_by,
                decided_on=today - dt.timedelta(days=days),
                person=User.objects.get(username=username) if username else None,
                subject_name=subject,
                incidents=list(Incident.objects.filter(title__in=titles)),
            )
        self.stdout.write(self.style.SUCCESS(f"已载入奖惩台账 {len(ENTRIES)} 条。"))
