"""manage.py seed_demo_monitoring: 重点监测 in the demo (after seed_demo) — the year's national holidays, a sensitive
period around today with its duty roster, and today's 零报告 owed (one already in). Runs once: skipped when the
demo's sensitive period exists or the demo college is missing."""

import datetime as dt

from django.core.management.base import BaseCommand

from departments.models import Department, User
from monitoring import selectors, services, sweep
from monitoring.models import KeyMonitoringPeriod
from opinion_system import clock
from opinion_system.errors import DomainError

NAME = "重要会议期间敏感时期"


class Command(BaseCommand):
    help = "载入演示用的重点监测数据（第八条）：当年法定节假日、覆盖今天的敏感时期及其值班表和零报告。"

    def handle(self, *args, **options):
        if (
            KeyMonitoringPeriod.objects.filter(name=NAME).exists()
            or not User.objects.filter(username="office1").exists()
        ):
            self.stdout.write("重点监测演示数据已存在或尚无演示部门，跳过。")
            return
        office = User.objects.get(username="office1")
        today = selectors.local_date()
        try:
            services.holidays_seed(actor=office, year=today.year)
        except DomainError as exc:
            self.stdout.write(exc.message)
        # Entered two days ago (the demo lays its history through the services): today's 零报告 is owed.
        with clock.travel(clock.now() - dt.timedelta(days=2)):
            period = services.period_create(
                actor=office,
                name=NAME,
                kind=KeyMonitoringPeriod.Kind.SENSITIVE,
                start_date=today - dt.timedelta(days=1),
                end_date=today + dt.timedelta(days=5),
                reminder_lead_minutes=360,
                nil_report_required=True,
                note="演示数据：加强网络舆情监测，实行 24 小时值班和每日零报告。",
            )
        services.duty_roster_save(
            actor=office,
            period=period,
            rows=[(day, office, office.phone or "0571-88880000") for day in selectors.period_days(period)],
        )
        selectors.forget_periods()
        sweep.run_once()
        xsc = Department.objects.filter(code="XSC").first()
        liaison = (
            User.objects.filter(liaisons__department=xsc, liaisons__status="registered").first()
            if xsc
            else None
        )
        if liaison is not None:
            try:
                services.nil_report_submit(actor=liaison, department=xsc)
            except DomainError as exc:  # e.g. today's due time already passed in the demo's clock
                self.stdout.write(exc.message)
        self.stdout.write(self.style.SUCCESS(f"已载入重点监测演示数据：{period}，值班表与今日零报告。"))
