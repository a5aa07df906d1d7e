"""manage.py seed_holidays 2026: the year's 国家法定节假日 from chinese_calendar as key monitoring periods."""

from django.core.management.base import BaseCommand, CommandError

from monitoring import services
from opinion_system.errors import DomainError


class Command(BaseCommand):
    help = "从 chinese_calendar 导入某年的国家法定节假日为重点监测时段（可重复运行，不覆盖已有修改）"

    def add_arguments(self, parser):
        parser.add_argument("year", type=int, help="年度，如 2026")

    def handle(self, *args, year: int, **options):
        try:
            created = services.holidays_seed(actor=None, year=year)
        except DomainError as exc:
            raise CommandError(exc.message) from None
        names = "、".join(p.name for p in created)
        self.stdout.write(
            f"{year} 年法定节假日：新增 {len(created)} 个时段{('：' + names) if names else '（均已存在）'}。"
        )
