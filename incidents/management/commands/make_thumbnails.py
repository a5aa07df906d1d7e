"""manage.py make_thumbnails: thumbnails for screenshots uploaded before they were made at upload (run once after
the upgrade; running it again only retries those that could not be read)."""

from django.core.management.base import BaseCommand

from incidents import services


class Command(BaseCommand):
    help = "为升级前上传的截图证据生成缩略图"

    def handle(self, *args, **options):
        made, failed = services.evidence_thumbnails_make()
        self.stdout.write(f"已生成缩略图 {made} 张；无法读取的图片 {failed} 张（仍可下载原文件）。")
