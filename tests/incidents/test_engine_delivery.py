"""The deadline sweep and notice delivery under real conditions: a real Celery worker on a real Redis, sweeps
running at the same time, a sweep killed with SIGKILL, group robots over HTTP, a broker that is down.

Everything runs on 127.0.0.1. Subprocesses (the worker, the killed sweep) use the test database that
pytest-django created, so these tests are `transaction=True`: the rows must really be committed. The
broker for this file is Redis database 14 (the rest of the suite uses 15), flushed before and after.
"""

import base64
import datetime as dt
import email
import email.policy
import hashlib
import hmac
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import redis
import time_machine
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from departments.models import User
from incidents import engine
from incidents import tasks as incident_tasks
from incidents.models import Deadline, IncidentEvent, SchedulerHeartbeat
from notifications import delivery
from notifications import tasks as notice_tasks
from notifications.models import Notice, WebhookEndpoint
from tests.brokers import broker
from tests.factories import ended

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
REDIS_14 = "redis://127.0.0.1:6379/14"
SWEEP_REASON = "系统定时检查"


# Committed rows (seen by other processes and threads). The flush after such a test also removes what the
# migrations wrote; the `org` fixture puts the role groups back (serialized_rollback cannot be mixed with the
# other transactional tests of the suite: it reloads content types another flush already recreated).
REAL_COMMITS = pytest.mark.django_db(transaction=True)


# --- helpers ------------------------------------------------------------------------------------------------


def wait_for(predicate, *, timeout: float, what: str, interval: float = 0.05):
    """Poll until predicate() is truthy; fail after `timeout` seconds. Returns the truthy value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what() if callable(what) else what}")
        time.sleep(interval)


def database_url_of_this_test() -> str:
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"  # the test database is a file (opinion_system/settings_test.py)
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def child_env(**extra) -> dict:
    """Environment of a subprocess that runs Django against this test's database and Redis db 14."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CELERY_", "DJANGO_")) and k not in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL")
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "opinion_system.settings_test",
        "DATABASE_URL": database_url_of_this_test(),
        "REDIS_URL": REDIS_14,
        "CONN_MAX_AGE": "0",
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
    }
    return env | extra


@pytest.fixture
def redis14():
    client = redis.Redis.from_url(REDIS_14, socket_timeout=5)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_overdue(incident, *, late=dt.timedelta(hours=1)) -> Deadline:
    """The incident's open filing deadline, moved so that it fell due `late` ago (its first notice too)."""
    moment = timezone.now() - late
    filing = Deadline.objects.filter(incident=incident, state=Deadline.State.OPEN, kind=Deadline.Kind.FILING)
    filing.update(due_at=moment, next_notice_at=moment)
    return filing.get()


def due_deadlines(org, count: int) -> list[int]:
    """`count` incidents whose disposal ended through the real services, each filing deadline now overdue."""
    ids = []
    for _ in range(count):
        ids.append(make_overdue(ended(org, level=3)).pk)
    return ids


def expected_overdue_recipients(org) -> set[int]:
    """An overdue filing of 学生处: its head and liaison, and the office (党群工作部)."""
    return {org.p.xsc_head.pk, org.p.xsc_liaison.pk, org.p.clerk.pk}


def assert_each_advanced_once(org, ids: list[int]) -> None:
    """Every deadline took exactly the overdue stage once, with one in-app notice per recipient."""
    now = timezone.now()
    for d in Deadline.objects.filter(pk__in=ids):
        assert d.overdue_at is not None and d.overdue_notices == 1 and d.escalated_at is None, d.pk
        assert d.next_notice_at > now, d.pk
    notices = Notice.objects.filter(deadline_id__in=ids)
    assert notices.count() == len(ids) * 3
    assert set(notices.values_list("kind", "channel").distinct()) == {("deadline_overdue", "in_app")}
    per_deadline = dict(notices.values_list("deadline").annotate(n=Count("id")).values_list("deadline", "n"))
    assert per_deadline == {pk: 3 for pk in ids}
    wanted = expected_overdue_recipients(org)
    for pk in ids:
        assert set(notices.filter(deadline_id=pk).values_list("recipient_id", flat=True)) == wanted
    # One case-log line and one history row per deadline: the stage was taken once, not twice.
    events = IncidentEvent.objects.filter(incident__deadlines__in=ids, kind=IncidentEvent.Kind.DEADLINE)
    assert events.count() == len(ids)
    history = Deadline.history.filter(id__in=ids, history_change_reason=SWEEP_REASON)
    assert history.count() == len(ids)


# --- 1. a real Celery worker on a real Redis ---------------------------------------------------------------


def read_mails(directory: Path) -> list:
    """The messages Django's file backend wrote (one file per connection, messages separated by dashes)."""
    messages = []
    for path in sorted(directory.iterdir()):
        for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if chunk.strip():
                messages.append(email.message_from_bytes(chunk, policy=email.policy.default))
    return messages


class Worker:
    def __init__(self, tmp_path: Path, mail_dir: Path):
        self.log = tmp_path / "worker.log"
        self._log_file = self.log.open("wb")
        env = child_env(DJANGO_SETTINGS_MODULE="tests.settings_worker", WORKER_EMAIL_DIR=str(mail_dir))
        self.proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [
                str(VENV_BIN / "celery"), "-A", "opinion_system", "worker", "--pool=solo", "--concurrency=1",
                "-Q", "celery", "--without-heartbeat", "--without-mingle", "--without-gossip", "-l", "info",
                "-n", f"engine-delivery-test-{os.getpid()}@%h",
            ],
            cwd=ROOT, env=env, stdout=self._log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, timeout=30):
        def ready():
            if self.proc.poll() is not None:
                pytest.fail(f"worker exited with {self.proc.returncode}:\n{self.text()}")
            return " ready." in self.text()

        wait_for(
            ready,
            timeout=timeout,
            what=lambda: f"the Celery worker to be ready:\n{self.text()}",
            interval=0.1,
        )

    def task_line(self, task_id: str, timeout=30) -> str:
        """The worker's log line saying the task finished (its return value is at the end)."""

        def line():
            for text in self.text().splitlines():
                if f"[{task_id}]" in text and (" succeeded in " in text or " raised " in text):
                    return text
            return None

        return wait_for(
            line,
            timeout=timeout,
            what=lambda: f"the worker to run task {task_id}:\n{self.text()}",
            interval=0.1,
        )

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()  # warm shutdown
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log_file.close()


@REAL_COMMITS
def test_real_worker_on_real_redis_delivers_the_overdue_email_exactly_once(org, tmp_path, redis14):
    first, second = ended(org, level=3), ended(org, level=3)
    deadline = make_overdue(first)
    # Only now an address: the notices the workflow wrote before stay in-app, the sweep's go by email too.
    head = org.p.xsc_head
    User.objects.filter(pk=head.pk).update(email="xsc-head@example.edu.cn")
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    worker = Worker(tmp_path, mail_dir)
    try:
        worker.wait_ready()
        result = engine.sweep()
        assert result.processed == 1
        mail_row = Notice.objects.get(deadline=deadline, channel=Notice.Channel.EMAIL)
        assert mail_row.recipient_id == head.pk and mail_row.kind == "deadline_overdue"
        assert mail_row.queued_at is None and mail_row.sent_at is None

        with broker(REDIS_14):
            in_app_pending = Notice.objects.filter(
                channel=Notice.Channel.IN_APP, sent_at__isnull=True
            ).count()
            assert delivery.queue_pending() == in_app_pending + 1  # the in-app rows here, the email via Redis
            mail_row.refresh_from_db()
            assert mail_row.queued_at is not None

            wait_for(
                lambda: Notice.objects.filter(pk=mail_row.pk, sent_at__isnull=False).exists(),
                timeout=30,
                what=lambda: f"the worker to send the email notice:\n{worker.text()}",
            )
            mail_row.refresh_from_db()
            assert (mail_row.attempts, mail_row.last_error, mail_row.claimed_until) == (1, "", None)
            mails = read_mails(mail_dir)
            assert len(mails) == 1
            assert mails[0]["To"] == "xsc-head@example.edu.cn"
            assert str(mails[0]["Subject"]).strip() == mail_row.subject and mail_row.subject.startswith(
                "【逾期】"
            )
            assert f"/incidents/{first.pk}/" in mails[0].get_content()

            # The next minute's hand-over finds nothing to queue.
            assert delivery.queue_pending() == 0
            # Redis delivering the same task again (a lost ack, the visibility timeout): the worker skips it.
            again = notice_tasks.deliver_notice.delay(mail_row.pk)
            assert worker.task_line(again.id).endswith(": 'skipped'")
            mail_row.refresh_from_db()
            assert mail_row.attempts == 1
            assert len(read_mails(mail_dir)) == 1

            # The beat's own task through the broker: the worker sweeps the second incident's deadline and
            # hands its email to Redis, and (the same worker) delivers it.
            make_overdue(second)
            sweep_task = incident_tasks.sweep_deadlines.delay()
            assert worker.task_line(sweep_task.id).endswith(": 1")  # one deadline processed
            second_row = wait_for(
                lambda: Notice.objects.filter(
                    deadline__incident=second, channel=Notice.Channel.EMAIL, sent_at__isnull=False
                ).first(),
                timeout=30,
                what=lambda: f"the worker to send the second email:\n{worker.text()}",
            )
            assert second_row.attempts == 1 and second_row.recipient_id == head.pk
            assert len(read_mails(mail_dir)) == 2
            assert Notice.objects.filter(channel=Notice.Channel.EMAIL).count() == 2
            assert SchedulerHeartbeat.objects.get(pk=1).last_processed == 1  # the worker's sweep beat
            wait_for(lambda: redis14.llen("celery") == 0, timeout=10, what="the queue to drain")
    finally:
        worker.stop()
    assert worker.proc.returncode is not None


# --- 2. sweeps at the same time ----------------------------------------------------------------------------


def run_sweeps(count: int, **kwargs):
    results, errors = [], []
    start = threading.Barrier(count)

    def run():
        try:
            start.wait(timeout=30)
            results.append(engine.sweep(**kwargs))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a sweep hung"
    assert not errors, errors
    return results


@REAL_COMMITS
@pytest.mark.postgresql_only(
    reason="SELECT … FOR UPDATE SKIP LOCKED: SQLite has neither row locks nor SKIP LOCKED"
)
def test_concurrent_sweeps_take_disjoint_rows_and_advance_each_deadline_once(org, monkeypatch):
    ids = due_deadlines(org, 60)
    SchedulerHeartbeat.objects.create(pk=1, last_sweep_at=timezone.now())  # a running system (see below)
    # Hold every sweep right after its claim until all four have claimed: each claim runs while the others
    # hold their row locks. With limit=20 the 60 rows must be shared out, never taken twice.
    claimed: list[list[int]] = []
    all_claimed = threading.Barrier(4)
    real_claim = engine.claim_due

    def claim_due(now, limit):
        rows = real_claim(now, limit)
        claimed.append([d.pk for d in rows])
        all_claimed.wait(timeout=15)  # a sweep blocked on another's locks would break this barrier
        return rows

    monkeypatch.setattr(engine, "claim_due", claim_due)
    results = run_sweeps(4, limit=20)
    # How the rows fall between the sweeps varies ([20, 20, 20, 0], [20, 20, 14, 6] …); never a row twice,
    # and none left: a sweep that took fewer than 20 saw every other due row locked by another sweep.
    assert len(claimed) == 4 and all(len(c) <= 20 for c in claimed)
    flat = [pk for c in claimed for pk in c]
    assert len(flat) == len(set(flat)) == 60 and set(flat) == set(ids)
    assert sorted(r.processed for r in results) == sorted(len(c) for c in claimed)
    assert sum(r.notices for r in results) == 180
    assert_each_advanced_once(org, ids)


@REAL_COMMITS
def test_free_running_concurrent_sweeps_write_each_notice_once(org):
    ids = due_deadlines(org, 60)
    SchedulerHeartbeat.objects.create(pk=1, last_sweep_at=timezone.now())
    results = run_sweeps(2)
    assert sum(r.processed for r in results) == 60
    assert sum(r.notices for r in results) == 180
    assert_each_advanced_once(org, ids)
    assert engine.sweep().processed == 0  # and nothing is left due


def test_a_second_sweep_at_the_same_instant_writes_nothing_at_any_stage(org):
    deadline = ended(org, level=3).deadlines.get(kind=Deadline.Kind.FILING)
    due = deadline.due_at
    minutes = dt.timedelta(minutes=1)
    overdue = expected_overdue_recipients(org)
    ladder = [  # the moment, the stage in the notice key (a repeat is the n-th overdue notice), who is told
        (due - 119 * minutes, "reminder:0", {org.p.xsc_head.pk, org.p.xsc_liaison.pk}),
        (due + minutes, "overdue:0", overdue),
        (due + 121 * minutes, "escalation:0", {org.p.xsc_leader.pk, org.p.clerk.pk}),
        (due + 241 * minutes, "overdue:1", overdue),
    ]
    for moment, stage, recipients in ladder:
        with time_machine.travel(moment, tick=False):
            first, second = engine.sweep(), engine.sweep()
        assert (first.processed, first.notices) == (1, len(recipients)), stage
        assert (second.processed, second.notices) == (0, 0), stage
        rows = Notice.objects.filter(
            deadline=deadline, dedupe_key__startswith=f"deadline:{deadline.pk}:{stage}:"
        )
        assert sorted(rows.values_list("recipient_id", flat=True)) == sorted(recipients), stage
    assert Notice.objects.filter(deadline=deadline).count() == sum(len(r) for _, _, r in ladder)
    deadline.refresh_from_db()
    assert deadline.overdue_notices == 2 and deadline.escalated_at is not None


# --- 3. a sweep killed half-way ----------------------------------------------------------------------------

PAUSED_SWEEP = r"""
import sys, time
import django
django.setup()
from django.db import connection
from incidents import engine

point, limit = sys.argv[1], int(sys.argv[2])


def pause(what):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    print(what, pid, flush=True)
    if point == "after_heartbeat":
        # Commit only once another session waits on this transaction (at most 15 s).
        for _ in range(300):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [pid]
                )
                if cursor.fetchone()[0]:
                    break
            time.sleep(0.05)
    else:
        time.sleep(30)  # killed long before


if point == "after_claim":  # rows locked, nothing written yet
    real_load = engine.Audiences.load.__func__

    def load(cls, deadlines):
        pause(f"CLAIMED {len(deadlines)}")
        return real_load(cls, deadlines)

    engine.Audiences.load = classmethod(load)
else:  # "after_writes": deadlines, notices, case log and history written; "after_heartbeat": beat too
    real_beat = engine._heartbeat

    def beat(now, result):
        if point == "after_heartbeat":
            real_beat(now, result)
            pause(f"BEAT {result.processed}")
        else:
            pause(f"CLAIMED {result.processed}")
            real_beat(now, result)

    engine._heartbeat = beat

result = engine.sweep(limit=limit)
print("DONE", result.processed, flush=True)
"""


class PausedSweep:
    """engine.sweep() in another process, stopped inside its transaction at `point`."""

    def __init__(self, tmp_path: Path, point: str, limit: int = engine.SWEEP_LIMIT):
        self.stderr_path = tmp_path / f"sweep-{point}.err"
        self._stderr = self.stderr_path.open("wb")
        self.proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [sys.executable, "-c", PAUSED_SWEEP, point, str(limit)],
            cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, stderr=self._stderr, text=True,
        )  # fmt: skip
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def next_line(self, timeout=30) -> str:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            pytest.fail(f"the sweep subprocess said nothing in {timeout} s:\n{self.stderr_path.read_text()}")
        if line is None:
            self.proc.wait(timeout=10)
            pytest.fail(
                f"the sweep subprocess ended ({self.proc.returncode}):\n{self.stderr_path.read_text()}"
            )
        return line

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self._stderr.close()


def backend_state(pid: int) -> str | None:
    """What PostgreSQL says the session is doing (None once the session is gone)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row[0] if row else None


@contextmanager
def lock_timeout(seconds: int):
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{int(seconds)}s'")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")


@REAL_COMMITS
@pytest.mark.postgresql_only(reason="kills the sweep's PostgreSQL backend and watches pg_stat_activity")
@pytest.mark.parametrize("point", ["after_claim", "after_writes"])
def test_a_sweep_killed_half_way_leaves_nothing_and_the_next_sweep_does_it_once(org, tmp_path, point):
    ids = due_deadlines(org, 5)
    before = {d.pk: d.next_notice_at for d in Deadline.objects.filter(pk__in=ids)}
    notices_before = Notice.objects.count()
    sweep = PausedSweep(tmp_path, point)
    try:
        word, claimed, pid = sweep.next_line().split()
        assert (word, int(claimed)) == ("CLAIMED", 5)
        pid = int(pid)
        assert backend_state(pid) == "idle in transaction"  # stopped inside the sweep's transaction
        # While the other sweep holds the rows, a sweep here skips them rather than waiting for them.
        with lock_timeout(5):
            started = time.monotonic()
            concurrent = engine.sweep()
            took = time.monotonic() - started
        assert concurrent.processed == 0 and concurrent.notices == 0
        assert took < 5
        # What the paused sweep wrote is not visible before it commits.
        assert Notice.objects.count() == notices_before
        os.kill(sweep.proc.pid, signal.SIGKILL)
        sweep.proc.wait(timeout=10)
        assert sweep.proc.returncode == -signal.SIGKILL
        wait_for(lambda: backend_state(pid) is None, timeout=15, what="PostgreSQL to end the killed session")
    finally:
        sweep.stop()

    # Nothing half-done: no deadline moved, no notice, case-log line or history row was written.
    for d in Deadline.objects.filter(pk__in=ids):
        assert d.next_notice_at == before[d.pk]
        assert (d.overdue_at, d.overdue_notices, d.escalated_at) == (None, 0, None)
    assert Notice.objects.count() == notices_before
    assert not Notice.objects.filter(deadline_id__in=ids).exists()
    assert not IncidentEvent.objects.filter(kind=IncidentEvent.Kind.DEADLINE).exists()
    assert not Deadline.history.filter(history_change_reason=SWEEP_REASON).exists()

    result = engine.sweep()
    assert (result.processed, result.notices) == (5, 15)
    assert_each_advanced_once(org, ids)
    assert engine.sweep().processed == 0


@REAL_COMMITS
@pytest.mark.postgresql_only(
    reason="two sweeps with uncommitted writes at once: SQLite admits one writer at a time, so the race cannot occur"
)
def test_two_first_sweeps_on_a_fresh_database_both_succeed(org, tmp_path):
    """No heartbeat row yet (a new install): a sweep that meets another one's uncommitted first heartbeat.

    Regression: engine._heartbeat() used to UPDATE, then INSERT when no row was updated; the second sweep
    died on the primary key (IntegrityError) and rolled back the deadlines it had advanced. The other sweep
    (a subprocess) takes 2 of the 4 due rows, writes the first heartbeat and commits only once this
    process's sweep waits on it, so the interleaving is the same on every run.
    """
    ids = due_deadlines(org, 4)
    assert not SchedulerHeartbeat.objects.exists()
    other = PausedSweep(tmp_path, "after_heartbeat", limit=2)  # takes 2 rows, beats, waits for us
    try:
        word, processed, _pid = other.next_line().split()
        assert (word, int(processed)) == ("BEAT", 2)
        result = engine.sweep()  # the 2 other rows; its beat meets the uncommitted one
        assert other.next_line() == "DONE 2"
    finally:
        other.stop()
    assert result.processed == 2
    assert_each_advanced_once(org, ids)
    assert SchedulerHeartbeat.objects.get(pk=1).last_processed == 2


# --- 4. group robots over HTTP -----------------------------------------------------------------------------


class Robot:
    """A local HTTP server standing in for the WeCom / DingTalk / Feishu robot APIs; records every request."""

    OK = {
        "/wecom/send": {"errcode": 0, "errmsg": "ok"},
        "/dingtalk/robot/send": {"errcode": 0, "errmsg": "ok"},
        "/feishu/hook/abc": {
            "StatusCode": 0,
            "StatusMessage": "success",
            "code": 0,
            "data": {},
            "msg": "success",
        },
    }
    ERRORS = {
        "/wecom/send": {"errcode": 93000, "errmsg": "invalid webhook url"},
        "/dingtalk/robot/send": {"errcode": 310000, "errmsg": "sign not match"},
        "/feishu/hook/abc": {"code": 19021, "data": {}, "msg": "sign match fail or timestamp is not valid"},
    }

    def __init__(self):
        self.requests: list[dict] = []
        self.replies = dict(self.OK)
        self.lock = threading.Lock()
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                url = urllib.parse.urlsplit(self.path)
                with robot.lock:
                    robot.requests.append(
                        {
                            "path": url.path,
                            "query": urllib.parse.parse_qs(url.query, keep_blank_values=True),
                            "content_type": self.headers.get("Content-Type"),
                            "body": json.loads(raw),
                        }
                    )
                    reply = robot.replies.get(url.path, {"errcode": 404, "errmsg": "no such robot"})
                answer = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def posts(self) -> Counter:
        with self.lock:
            return Counter(r["path"] for r in self.requests)

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def robot():
    server = Robot()
    yield server
    server.close()


DINGTALK_SECRET = "SEC0123456789abcdefDINGTALK+/="
FEISHU_SECRET = "feishu-secret-0123456789"


def robots_for(department, robot: Robot) -> dict[str, WebhookEndpoint]:
    def hook(name, flavor, path, secret="", **kw):
        return WebhookEndpoint.objects.create(
            name=name, flavor=flavor, url=robot.url(path), secret=secret, department=department, **kw
        )

    ding_path = "/dingtalk/robot/send?access_token=ding-token"
    return {
        "wecom": hook("学生处企业微信群", "wecom", "/wecom/send?key=wecom-key-1"),
        "dingtalk": hook("学生处钉钉群", "dingtalk", ding_path, DINGTALK_SECRET),
        "feishu": hook("学生处飞书群", "feishu", "/feishu/hook/abc", FEISHU_SECRET),
        "off": hook("已停用的群", "wecom", "/wecom/off?key=off", is_active=False),
    }


def fresh_timestamp(value: str, *, digits: int, per_second: int) -> int:
    assert value.isdigit() and len(value) == digits, value
    assert abs(int(value) / per_second - time.time()) < 120  # DingTalk and Feishu refuse more than an hour
    return int(value)


def check_robot_requests(robot: Robot, incident, subject: str) -> None:
    by_path = {r["path"]: r for r in robot.requests}
    link = f"/incidents/{incident.pk}/"
    for r in robot.requests:
        assert r["content_type"] == "application/json"

    wecom = by_path["/wecom/send"]
    assert wecom["query"] == {"key": ["wecom-key-1"]}
    assert set(wecom["body"]) == {"msgtype", "text"} and wecom["body"]["msgtype"] == "text"
    assert set(wecom["body"]["text"]) == {"content"}
    content = wecom["body"]["text"]["content"]
    assert content.startswith(subject) and content.endswith(link)

    ding = by_path["/dingtalk/robot/send"]
    assert set(ding["query"]) == {"access_token", "timestamp", "sign"}
    assert ding["query"]["access_token"] == ["ding-token"]
    timestamp = ding["query"]["timestamp"][0]
    fresh_timestamp(timestamp, digits=13, per_second=1000)  # milliseconds
    # DingTalk: base64(HMAC-SHA256(key=secret, msg="timestamp\nsecret")), URL-encoded in the query.
    digest = hmac.new(DINGTALK_SECRET.encode(), f"{timestamp}\n{DINGTALK_SECRET}".encode(), hashlib.sha256)
    assert ding["query"]["sign"] == [base64.b64encode(digest.digest()).decode()]
    assert ding["body"] == {"msgtype": "text", "text": {"content": content}}

    feishu = by_path["/feishu/hook/abc"]
    assert feishu["query"] == {}
    body = feishu["body"]
    assert set(body) == {"msg_type", "content", "timestamp", "sign"}
    assert body["msg_type"] == "text" and body["content"] == {"text": content}
    fresh_timestamp(body["timestamp"], digits=10, per_second=1)  # seconds, as a string
    # Feishu: base64(HMAC-SHA256(key="timestamp\nsecret", msg=empty)).
    key = f"{body['timestamp']}\n{FEISHU_SECRET}".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def test_each_group_robot_gets_one_correctly_shaped_and_signed_post(org, robot):
    incident = ended(org, level=3)
    hooks = robots_for(org.xsc, robot)
    deadline = make_overdue(incident)
    assert engine.sweep().processed == 1
    rows = list(Notice.objects.filter(deadline=deadline, channel=Notice.Channel.WEBHOOK))
    active = {hooks[k].pk for k in ("wecom", "dingtalk", "feishu")}
    assert sorted(r.endpoint_id for r in rows) == sorted(active)  # one row per active robot, none for "off"

    for row in rows:
        assert delivery.deliver(row.pk) == "sent"
    for row in rows:
        assert delivery.deliver(row.pk) == "skipped"  # a second task for the same row posts nothing
    assert robot.posts() == Counter({"/wecom/send": 1, "/dingtalk/robot/send": 1, "/feishu/hook/abc": 1})
    check_robot_requests(robot, incident, rows[0].subject)
    for row in rows:
        row.refresh_from_db()
        assert (
            row.sent_at is not None
            and row.attempts == 1
            and row.last_error == ""
            and row.claimed_until is None
        )
    assert delivery.pending_ids(timezone.now()) == []  # nothing left to post


def test_a_refusing_robot_fails_only_its_own_rows_backs_off_and_is_retried_once(org, robot, mailoutbox):
    incident = ended(org, level=3)
    hooks = robots_for(org.xsc, robot)
    deadline = make_overdue(incident)
    User.objects.filter(pk=org.p.xsc_head.pk).update(email="xsc-head@example.edu.cn")
    robot.replies = dict(Robot.ERRORS)
    assert engine.sweep().processed == 1
    rows = Notice.objects.filter(deadline=deadline)

    def hook_rows():  # read afresh each time
        return rows.filter(channel=Notice.Channel.WEBHOOK)

    assert hook_rows().count() == 3

    started = timezone.now()
    delivery.queue_pending()  # the test settings run the delivery tasks in-process
    assert robot.posts() == Counter({"/wecom/send": 1, "/dingtalk/robot/send": 1, "/feishu/hook/abc": 1})
    errors = {
        hooks["wecom"].pk: "invalid webhook url",
        hooks["dingtalk"].pk: "sign not match",
        hooks["feishu"].pk: "sign match fail",
    }
    for row in hook_rows():
        assert row.sent_at is None and row.attempts == 1 and row.queued_at is None
        assert errors[row.endpoint_id] in row.last_error
        assert row.claimed_until >= started + delivery.backoff(1) - dt.timedelta(seconds=5)
    # The same event's other channels went out regardless.
    others = rows.exclude(channel=Notice.Channel.WEBHOOK)
    assert set(others.values_list("channel", flat=True)) == {"in_app", "email"}
    assert not others.filter(sent_at__isnull=True).exists()
    assert [m.to for m in mailoutbox] == [["xsc-head@example.edu.cn"]]

    # Within the backoff nothing posts again: not a duplicate task, not the next sweep's hand-over.
    for row in hook_rows():
        assert delivery.deliver(row.pk) == "skipped"
    assert delivery.pending_ids(timezone.now()) == []
    delivery.queue_pending()
    assert robot.posts().total() == 3

    # Once the backoff is over (and the robot fixed), the next hand-over sends each row once.
    robot.replies = dict(Robot.OK)
    with time_machine.travel(timezone.now() + delivery.backoff(1) + dt.timedelta(seconds=5)):
        assert delivery.queue_pending() == 3
        assert delivery.queue_pending() == 0
    assert robot.posts() == Counter({"/wecom/send": 2, "/dingtalk/robot/send": 2, "/feishu/hook/abc": 2})
    for row in hook_rows():
        assert (row.sent_at is not None, row.attempts, row.last_error) == (True, 2, ""), row.endpoint.flavor
    assert len(mailoutbox) == 1


# --- 5. the broker is down ---------------------------------------------------------------------------------


def queued_task_args(client: redis.Redis) -> list[int]:
    """The notice ids of the deliver_notice messages waiting in Redis db 14's default queue."""
    ids = []
    for raw in client.lrange("celery", 0, -1):
        message = json.loads(raw)
        # The name it had in incidents.tasks: messages queued before the move still find their task.
        assert (
            message["headers"]["task"] == "incidents.tasks.deliver_notice" == notice_tasks.deliver_notice.name
        )
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        ids.extend(args)
    return sorted(ids)


def test_a_broker_outage_leaves_rows_pending_and_they_are_queued_once_it_is_back(org, redis14):
    incident = ended(org, level=3)
    deadline = make_overdue(incident)
    User.objects.filter(pk__in=[org.p.xsc_head.pk, org.p.clerk.pk]).update(email="someone@example.edu.cn")
    assert engine.sweep().processed == 1
    mail_ids = sorted(
        Notice.objects.filter(deadline=deadline, channel=Notice.Channel.EMAIL).values_list("pk", flat=True)
    )
    assert len(mail_ids) == 2
    in_app_pending = Notice.objects.filter(channel=Notice.Channel.IN_APP, sent_at__isnull=True).count()

    with broker(f"redis://127.0.0.1:{closed_port()}/0"):
        started = time.monotonic()
        handed_over = delivery.queue_pending()  # must not raise
        took = time.monotonic() - started
    assert handed_over == in_app_pending  # in-app needs no broker; the emails wait
    assert took < 30
    mails = Notice.objects.filter(pk__in=mail_ids)
    assert set(mails.values_list("queued_at", "sent_at", "attempts", "claimed_until")) == {
        (None, None, 0, None)
    }
    assert redis14.llen("celery") == 0

    with broker(REDIS_14):
        assert delivery.queue_pending() == 2
        assert delivery.queue_pending() == 0  # queued once, not again on the next minute
    assert queued_task_args(redis14) == mail_ids
    assert not mails.filter(queued_at__isnull=True).exists()
    assert not mails.filter(sent_at__isnull=False).exists()  # no worker here: they wait in Redis


class SilentBroker:
    """A TCP port that accepts connections and never answers: a hung Redis, or a half-open connection."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.append(conn)

    def close(self):
        """Hang up: the client's read fails and new connections are refused."""
        self.listener.close()
        for conn in self.accepted:
            conn.close()


HUNG_BROKER_LIMIT = 15  # seconds; the sweep runs every minute and hands over after its commit


def test_a_hung_broker_does_not_hold_up_the_hand_over(org, redis14):
    """Regression: without socket timeouts in CELERY_BROKER_TRANSPORT_OPTIONS, publishing to a broker that
    accepts the connection but never answers blocked deliver_notice.delay() (so the sweep task) for ever."""
    incident = ended(org, level=3)
    deadline = make_overdue(incident)
    User.objects.filter(pk=org.p.xsc_head.pk).update(email="xsc-head@example.edu.cn")
    assert engine.sweep().processed == 1
    mail = Notice.objects.get(deadline=deadline, channel=Notice.Channel.EMAIL)
    silent = SilentBroker()
    # Without a bound of its own, the hand-over would wait for ever: hang up after the limit so the test ends.
    hang_up = threading.Timer(HUNG_BROKER_LIMIT, silent.close)
    hang_up.start()
    try:
        with broker(f"redis://127.0.0.1:{silent.port}/0"):
            started = time.monotonic()
            delivery.queue_pending()  # must not raise
            took = time.monotonic() - started
    finally:
        hang_up.cancel()
        silent.close()
    mail.refresh_from_db()
    assert (mail.queued_at, mail.sent_at) == (None, None)  # still pending for the next minute
    assert took < HUNG_BROKER_LIMIT, f"queue_pending() waited {took:.1f} s on a broker that never answered"
