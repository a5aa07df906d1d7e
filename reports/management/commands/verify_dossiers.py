"""manage.py verify_dossiers: 核验 every stored dossier (after a restore, or by hand); non-zero if any is not intact."""

from django.core.management.base import BaseCommand, CommandError

from reports.models import Dossier
from reports.services import dossier_check


class Command(BaseCommand):
    help = "核验每一份已生成文件的工作档案：文件与登记的 SHA-256 是否一致，案件记录与档案内容是否一致（只读，不写核验记录）"

    def handle(self, *args, **options):
        # Read-only on purpose: the office's 核验 button (dossier_verify) stamps the row with who checked it; a
        # check run by an operator after a restore must not change the restored records it is checking.
        dossiers = Dossier.objects.exclude(file="").select_related("incident").order_by("incident__number")
        intact = broken = 0
        for dossier in dossiers.iterator(chunk_size=100):
            ok, note = dossier_check(dossier)
            if ok:
                intact += 1
            else:
                broken += 1
            self.stdout.write(f"{'完好' if ok else '不完好'}  {dossier.incident.number}  {note}")
        without_file = Dossier.objects.filter(file="").count()
        summary = f"共核验工作档案 {intact + broken} 份：完好 {intact} 份，不完好 {broken} 份。"
        if without_file:
            summary += f"另有 {without_file} 份尚未生成文件，未核验。"
        if broken:
            raise CommandError(summary, returncode=1)
        self.stdout.write(summary)
