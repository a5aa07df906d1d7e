"""manage.py seed_demo: loads the demo college of incidents.demo (skipped when departments already exist)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count
from django.utils import timezone

from departments.models import Department, User
from incidents import demo
from incidents.demo.organisation import DEPARTMENTS, LOGINS
from incidents.models import Deadline, Incident, Status

__all__ = [
    "DEPARTMENTS",
    "LOGINS",
    "Command",
]  # scripts/bench_sweep.py and tests/test_page_walk.py import these


class Command(BaseCommand):
    help = (
        "载入演示数据：部门、人员、联络员备案、官方媒体账号和约 30 件各状态的舆情（数据库已有部门时跳过）。"
    )

    def handle(self, *args, **options):
        started = timezone.now()
        try:
            loaded = demo.seed(now=started)
        except demo.DemoDataError as error:
            raise CommandError(str(error)) from error
        if not loaded:
            self.stdout.write("演示数据已存在，跳过。")
            return
        self.summary(started)

    def summary(self, started: dt.datetime) -> None:
        now = timezone.now()
        self.stdout.write(
            self.style.SUCCESS(
                f"已载入演示数据（用时 {(now - started).total_seconds():.1f} 秒）："
                f"{Department.objects.count()} 个部门（其中标“示例”的二级学院为虚构）、"
                f"{User.objects.count()} 个用户、{Incident.objects.count()} 件舆情。"
            )
        )
        counts = dict(Incident.objects.order_by().values_list("status").annotate(n=Count("id")))
        for status in Status:
            self.stdout.write(f"  {status.label}：{counts.get(status.value, 0)}")
        open_deadlines = Deadline.objects.filter(state=Deadline.State.OPEN)
        overdue = open_deadlines.filter(due_at__lt=now).count()
        soon = open_deadlines.filter(due_at__gte=now, due_at__lt=now + dt.timedelta(hours=24)).count()
        self.stdout.write(f"  进行中的时限：已逾期 {overdue} 项，24 小时内到期 {soon} 项")
        self.stdout.write(f"\n演示账号（密码均为 {demo.PASSWORD}）：")
        for user, role in demo.logins():
            self.stdout.write(f"  {user.username:<14}{user.full_name.ljust(6, '　')}{role}")
