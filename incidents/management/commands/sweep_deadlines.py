"""manage.py sweep_deadlines: one sweep now (for cron, or to check by hand)."""

from django.core.management.base import BaseCommand

from incidents import engine


class Command(BaseCommand):
    help = "检查一次所有时限：发送到期提醒、逾期通知和督办通知"

    def handle(self, *args, **options):
        result = engine.run_once()
        self.stdout.write(
            f"检查完成：处理时限 {result.processed} 项，生成通知 {result.notices} 条，"
            f"投递 {result.queued} 条，用时 {result.duration_ms} 毫秒。"
        )
