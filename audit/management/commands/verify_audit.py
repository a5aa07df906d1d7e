"""Walk both chains — the security log and the history of every record; the result is itself an event the
auditor's page shows, and it records where the history chain ended so a rewritten chain is caught next time."""

import re

from django.core.management.base import BaseCommand, CommandError

from audit import history_chain, services
from audit.models import SecurityEvent
from audit.verify import verify_chain

ANCHOR = re.compile(r"^历史记录链 #(\d+) ([0-9a-f]{64})$")


def last_anchor() -> tuple[int, str] | None:
    """Where the last successful verification found the end of the history chain."""
    for target in (
        SecurityEvent.objects.filter(kind=SecurityEvent.Kind.VERIFY, result=SecurityEvent.Result.SUCCESS)
        .order_by("-seq")
        .values_list("target", flat=True)[:1]
    ):
        if match := ANCHOR.match(target):
            return int(match[1]), match[2]
    return None


class Command(BaseCommand):
    help = "核验安全日志和各记录历史的哈希链，指出第一条被改动、删除或调换的记录。"

    def handle(self, *args, **options):
        log = verify_chain()
        sealed = history_chain.seal_leftovers()
        history = history_chain.verify(anchor=last_anchor())
        ok = log.ok and history.ok
        message = f"{log.message.rstrip('。')}；{history.message}。"
        if sealed:
            message += f"（本次补入链 {sealed} 条未入链的历史记录）"
        services.record(
            kind=services.Kind.VERIFY,
            result=services.Result.SUCCESS if ok else services.Result.FAILURE,
            username="manage.py verify_audit",
            target=f"历史记录链 #{history.last_seq} {history.last_hash}" if history.ok else "",
            detail=message,
        )
        if not ok:
            raise CommandError(message)
        self.stdout.write(message)
