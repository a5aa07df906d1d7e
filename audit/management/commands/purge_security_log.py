"""Delete security events older than a date; refused inside the retention period (at least 180 days)."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit import services
from opinion_system.errors import DomainError


class Command(BaseCommand):
    help = f"清理某日期之前的安全日志（至少保留 {services.RETENTION_DAYS} 天）。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--before", required=True, type=dt.date.fromisoformat, help="YYYY-MM-DD（北京时间）"
        )

    def handle(self, *args, before: dt.date, **options):
        start = timezone.make_aware(dt.datetime.combine(before, dt.time.min))
        try:
            deleted = services.purge(before=start)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"已清理 {deleted} 条安全日志。")
