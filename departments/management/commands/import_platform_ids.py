"""Fill people's 企业微信 / 钉钉 accounts and mobile numbers from the college's roster (CSV)."""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from departments import services


class Command(BaseCommand):
    help = "从 CSV 导入用户的企业微信账号、钉钉账号和手机号（列：工号、企业微信账号、钉钉账号、手机号；按工号匹配已有用户）"

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV 文件（UTF-8，可带 BOM；Excel 请另存为“CSV UTF-8”）")
        parser.add_argument("--dry-run", action="store_true", help="只报告将要修改的内容，不写入")

    def handle(self, *args, path: str, dry_run: bool, **options):
        # utf-8-sig: Excel's "CSV UTF-8" starts the file with a byte-order mark, which would stick to 工号.
        try:
            with Path(path).open(encoding="utf-8-sig", newline="") as f:
                reader = csv.DictReader(f)
                if "工号" not in [name.strip() for name in reader.fieldnames or []]:
                    raise CommandError("文件第一行须为列名，且包含“工号”列")
                rows = list(reader)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取文件：{exc}") from exc
        report = services.user_platform_ids_import(rows=rows, dry_run=dry_run)
        verb = "将修改" if dry_run else "已修改"
        self.stdout.write(f"{verb} {len(report.changed)} 人，无变化 {report.unchanged} 人。")
        if report.unknown:
            self.stdout.write(f"未找到以下工号（{len(report.unknown)} 个）：{'、'.join(report.unknown)}")
        for line in report.conflicts:
            self.stdout.write(f"冲突：{line}")
        if dry_run:
            self.stdout.write("试运行：未写入任何修改。")
