"""manage.py run_scheduler: the in-process scheduler for a machine without Redis (the demo).

It runs exactly what Celery beat runs — every entry of CELERY_BEAT_SCHEDULE, on the same schedule, each task
called in this process (the deadline sweep delivers its notices in-process when there is no broker). Every
entry runs once at start, so a demo shows a sweep and an audit verification at once.
"""

import datetime as dt
import signal
import threading
import time

from celery.schedules import maybe_schedule
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = (
        "无 Redis 时的内置定时任务：按 Celery beat 的计划在本进程内运行（检查时限、发送通知、核验审计日志等）"
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=60.0, help="两次检查间隔（秒）")
        parser.add_argument("--once", action="store_true", help="每项任务只运行一次")

    def handle(self, *args, interval: float, once: bool, **options):
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        # Task names are their import paths (incidents.tasks.sweep_deadlines); called directly, a task runs here.
        entries = {
            name: (import_string(entry["task"]), maybe_schedule(entry["schedule"]))
            for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        }
        last_run: dict[str, dt.datetime | None] = dict.fromkeys(entries)
        self.stdout.write(f"内置定时任务已启动：{len(entries)} 项，每 {interval:g} 秒检查一次。")
        while not stop.is_set():
            started = time.monotonic()
            for name, (task, schedule) in entries.items():
                if last_run[name] is not None and not schedule.is_due(last_run[name]).is_due:
                    continue
                last_run[name] = timezone.now()
                try:
                    result = task()
                except Exception as exc:  # keep the clock running; the heartbeat shows if it stays broken
                    self.stderr.write(f"定时任务 {name} 出错：{exc}")
                else:
                    if result is False:  # e.g. the audit chains did not verify: the auditor's page says why
                        self.stderr.write(f"定时任务 {name} 未通过，请查看安全日志页。")
                    elif result:
                        self.stdout.write(f"{name}：{result}")
            if once:
                break
            stop.wait(max(0.0, interval - (time.monotonic() - started)))
            close_old_connections()  # a long-running process must not keep a connection the server dropped
