"""manage.py sweep_nil_reports: one 零报告 sweep now (for cron, or to check by hand)."""

from django.core.management.base import BaseCommand

from monitoring import sweep


class Command(BaseCommand):
    help = "检查一次零报告：生成当日应报记录，发送到期提醒和逾期通知"

    def handle(self, *args, **options):
        result = sweep.run_once()
        self.stdout.write(
            f"零报告检查完成：新增应报 {result.opened} 条，提醒 {result.reminded} 条，逾期 {result.overdue} 条。"
        )
