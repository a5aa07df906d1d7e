"""Remind the departments that have not opened an issued bulletin (the beat runs it daily)."""

from django.core.management.base import BaseCommand

from bulletins import services


class Command(BaseCommand):
    help = "提醒尚未阅读已印发舆情通报的部门（每部门每天至多一次）"

    def handle(self, *args, **options):
        sent = services.remind_unread()
        self.stdout.write(f"已提醒 {sent} 个部门。")
