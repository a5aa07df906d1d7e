"""manage.py run_scheduler: the in-process scheduler for a machine without Redis (the demo).

It runs what Celery beat runs: the deadline sweep (engine.run_once) once a minute, with notices delivered
in-process, and the audit chains' verification once a day (at start, then every 24 hours).
"""

import signal
import threading
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from audit.tasks import verify_audit
from incidents import engine
from reports import services as archive


class Command(BaseCommand):
    help = "无 Redis 时的内置定时任务：每分钟检查一次时限并发送通知"

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=60.0, help="两次检查间隔（秒）")
        parser.add_argument("--once", action="store_true", help="只检查一次")

    def handle(self, *args, interval: float, once: bool, **options):
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        self.stdout.write(f"内置定时任务已启动：每 {interval:g} 秒检查一次时限。")
        next_verify = time.monotonic()
        while not stop.is_set():
            started = time.monotonic()
            try:
                if started >= next_verify and not once:
                    next_verify = started + 24 * 3600
                    if not verify_audit():
                        self.stderr.write("审计日志链核验未通过：请审计管理员查看安全日志页。")
                result = engine.run_once()
                if result.processed or result.queued:
                    self.stdout.write(f"处理时限 {result.processed} 项，投递通知 {result.queued} 条")
                if resumed := archive.jobs_resume():
                    self.stdout.write(f"重新生成工作档案/导出 {resumed} 项")
            except Exception as exc:  # keep the clock running; the heartbeat shows if it stays broken
                self.stderr.write(f"定时检查出错：{exc}")
            if once:
                break
            stop.wait(max(0.0, interval - (time.monotonic() - started)))
            close_old_connections()  # a long-running process must not keep a connection the server dropped
