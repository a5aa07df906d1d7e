"""manage.py sweep_risk_items: one sweep of the 隐患排查 items now (for cron, or to check by hand)."""

from django.core.management.base import BaseCommand

from meetings import engine


class Command(BaseCommand):
    help = "检查一次联席会议交办的隐患排查事项：发送到期提醒、逾期通知和督办通知"

    def handle(self, *args, **options):
        processed, notices = engine.run_once()
        self.stdout.write(f"检查完成：排查事项 {processed} 项，生成通知 {notices} 条。")
