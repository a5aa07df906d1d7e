"""Draw the Word template shipped in the app (bulletins/docx/bulletin.docx) again with python-docx."""

from pathlib import Path

from django.core.management.base import BaseCommand

from bulletins import rendering


class Command(BaseCommand):
    help = "生成随系统发布的舆情通报 Word 模板（红色发文机关标志与分隔线，GB/T 9704 版心）"

    def add_arguments(self, parser):
        parser.add_argument("--output", default=str(rendering.DEFAULT_DOCX), help="输出路径")

    def handle(self, *args, output: str, **options):
        rendering.build_default_template(Path(output))
        self.stdout.write(f"已生成模板：{output}")
