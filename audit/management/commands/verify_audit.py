"""Walk the security log's hash chain; the result is itself an event the auditor's page shows."""

from django.core.management.base import BaseCommand, CommandError

from audit import services
from audit.verify import verify_chain


class Command(BaseCommand):
    help = "核验安全日志的哈希链，指出第一条被改动、删除或调换的记录。"

    def handle(self, *args, **options):
        verdict = verify_chain()
        services.record(
            kind=services.Kind.VERIFY,
            result=services.Result.SUCCESS if verdict.ok else services.Result.FAILURE,
            username="manage.py verify_audit",
            detail=verdict.message,
        )
        if not verdict.ok:
            raise CommandError(verdict.message)
        self.stdout.write(verdict.message)
