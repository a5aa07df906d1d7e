"""Benchmark of the deadline sweep and notice delivery on a large PostgreSQL database (not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opinion_bench .venv/bin/python scripts/bench_sweep.py \
        [--incidents 100000] [--due 1000] [--repeat 20] [--reseed]

Creates the database if missing, migrates it and seeds it once (raw bulk inserts: a fixture, not the workflow).
The fixture holds no notices, case-log lines or deadline history, so everything in those tables is this script's
and is deleted after the due sweeps; the open deadlines are then re-anchored to the current time.
"""

import argparse
import datetime as dt
import os
import platform
import random
import re
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import environ
import psycopg
from psycopg import sql

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opinion_system.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SECRET_KEY", "bench")

BATCH = 5000
H = dt.timedelta(hours=1)
# Open deadlines, re-anchored to now on every run: one in five overdue (already told, next repeat ahead),
# the others due 3-74 hours ahead with their reminder an hour before. Nothing is due until the benchmark says so.
REANCHOR = """
UPDATE incidents_deadline SET
  due_at = CASE WHEN mod(id, 5) = 0 THEN %(now)s - interval '1 hour' * (3 + mod(id, 48))
                ELSE %(now)s + interval '1 hour' * (3 + mod(id, 72)) END,
  reminded_at = CASE WHEN mod(id, 5) = 0 THEN %(now)s - interval '1 hour' * (4 + mod(id, 48)) END,
  overdue_at = CASE WHEN mod(id, 5) = 0 THEN %(now)s - interval '1 hour' * (3 + mod(id, 48)) END,
  escalated_at = CASE WHEN mod(id, 5) = 0 THEN %(now)s - interval '1 hour' * (1 + mod(id, 48)) END,
  overdue_notices = CASE WHEN mod(id, 5) = 0 THEN 1 ELSE 0 END,
  next_notice_at = CASE WHEN mod(id, 5) = 0 THEN %(now)s + interval '1 hour' * (1 + mod(id, 4))
                        ELSE %(now)s + interval '1 hour' * (2 + mod(id, 72)) END
WHERE state = 'open'"""
# Most recent incidents first: a few awaiting assessment, ~3% in disposal, ~1.6% ended, then forms, filed,
# and the rest archived (1% of those merged duplicates).
MIX = [("reported", 0.003), ("in_disposal", 0.03), ("disposal_ended", 0.016), ("form_submitted", 0.003),
       ("returned", 0.001), ("filed", 0.06)]  # fmt: skip


def prepare_database(url: str, *, drop: bool) -> str:
    """Create (or with drop, recreate) the benchmark database; return its name. Refuses anything else."""
    cfg = environ.Env.db_url_config(url) if url else {"ENGINE": "sqlite3"}
    if "postgresql" not in cfg["ENGINE"]:
        sys.exit(
            "bench_sweep: refusing to run on SQLite. The sweep relies on SELECT … FOR UPDATE SKIP LOCKED and "
            "partial indexes, and the figures only mean something on PostgreSQL. Set DATABASE_URL, e.g.\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/opinion_bench .venv/bin/python scripts/bench_sweep.py"
        )
    name = cfg["NAME"]
    if "bench" not in name:
        sys.exit(f"bench_sweep: refusing database {name!r}: it wipes data, so its name must contain 'bench'.")
    params = {"host": cfg["HOST"] or None, "port": cfg["PORT"] or None, "user": cfg["USER"] or None}
    with psycopg.connect(dbname="postgres", password=cfg["PASSWORD"] or None, autocommit=True, **params) as c:
        if drop:
            c.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            c.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


@contextmanager
def history_writable():
    """The benchmark's own clean-up on its own database: history tables are append-only (audit migrations), and
    a superuser's session may switch triggers off for its statements."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")


def seed(n: int) -> None:
    """The college (16 departments, heads, registered liaisons, office, 党政办) and n incidents over 3 years."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from departments.models import Department, Liaison, User
    from departments.roles import Role
    from departments.selectors import role_group
    from incidents.management.commands.seed_demo import DEPARTMENTS
    from incidents.models import Deadline, Incident, Status, YearCounter

    rng = random.Random(2024)  # noqa: S311 - reproducible fixture data, not security
    now = timezone.now()
    groups = {role: role_group(role) for role in Role}

    def person(username, name, department=None, roles=()):
        user = User.objects.create(username=username, full_name=name, department=department,
                                   password=make_password(None), email=f"{username}@bench.example.com")  # fmt: skip
        user.groups.add(*(groups[r] for r in roles))
        return user

    with transaction.atomic():
        leaders = {u: person(u, u, roles=[Role.SUPERVISING_LEADERS]) for u in {r[4] for r in DEPARTMENTS}}
        departments, reporters = [], {}
        for i, (code, name, kind, duty, leader, head, liaison) in enumerate(r[:7] for r in DEPARTMENTS):
            dep = Department.objects.create(
                code=code, name=name, kind=kind, duty=duty, supervising_leader=leaders[leader], sort_order=i
            )
            dep.head = person(f"{code.lower()}_head", head, dep, [Role.DEPARTMENT_HEADS])
            dep.save(update_fields=["head"])
            reporters[dep.pk] = person(f"{code.lower()}_liaison", liaison, dep, [Role.LIAISONS])
            registered = {"status": Liaison.Status.REGISTERED, "registered_at": now.date()}
            Liaison.objects.create(user=reporters[dep.pk], department=dep, **registered)
            departments.append(dep)
        office = next(d for d in departments if d.duty == Department.Duty.OFFICE)
        assessor = person("office1", "李静怡", office, [Role.OFFICE])
        person("office2", "王浩然", office, [Role.OFFICE])
        admin = next(d for d in departments if d.duty == Department.Duty.ADMIN_OFFICE)
        person("dzb_approver", "刘雪梅", admin, [Role.ADMIN_OFFICE])

        ages = sorted(rng.uniform(0, 3 * 365 * 24) for _ in range(n))  # hours ago, most recent first
        bounds = [(int(sum(share for _, share in MIX[: k + 1]) * n), s) for k, (s, _) in enumerate(MIX)]
        counters: dict[int, int] = {}
        for start in range(0, n, BATCH):
            incidents = []
            for i in range(n - 1 - start, max(-1, n - 1 - start - BATCH), -1):  # oldest first: numbers grow
                status = next((s for b, s in bounds if i < b), Status.ARCHIVED)
                status = Status.MERGED if status == Status.ARCHIVED and rng.random() < 0.01 else status
                reported, dep = now - ages[i] * H, rng.choice(departments)
                year = timezone.localtime(reported).year
                counters[year] = counters.get(year, 0) + 1
                assessed = status not in (Status.REPORTED, Status.MERGED)
                weights = [0.2, 0.6, 0.2] if status == Status.IN_DISPOSAL else [0.05, 0.25, 0.7]
                level = rng.choices([1, 2, 3], weights)[0] if assessed else None
                ended = (
                    reported + rng.uniform(24, 240) * H if assessed and status != Status.IN_DISPOSAL else None
                )
                incidents.append(Incident(
                    number=f"YQ-{year}-{counters[year]:05d}", status=status,
                    title=f"{dep.name}相关网络舆情 {i}", summary="网民在社交平台发布相关帖文，引发关注。",
                    reporting_department=dep, responsible_department=dep, reporter=reporters[dep.pk],
                    discovered_at=reported - rng.uniform(0.2, 6) * H, reported_at=reported,
                    category=rng.choice("ABCDE" if level == 1 else "BCDE") if assessed else "", level=level,
                    assessed_at=reported + H if assessed else None, assessed_by=assessor if assessed else None,
                    disposal_started_at=reported + H if assessed else None, disposal_ended_at=ended,
                    filed_at=ended + 24 * H if status in (Status.FILED, Status.ARCHIVED) else None,
                    archived_at=ended + 168 * H if status == Status.ARCHIVED else None,
                ))  # fmt: skip
            Incident.objects.bulk_create(incidents, batch_size=BATCH)
            Deadline.objects.bulk_create(
                [d for inc in incidents for d in deadlines_for(inc)], batch_size=BATCH
            )
            print(f"  seeded {start + len(incidents):,} / {n:,} incidents", file=sys.stderr)
        Incident.objects.filter(status=Status.MERGED).update(merged_into=F("id") - 1)
        for year, last in counters.items():
            YearCounter.objects.update_or_create(year=year, defaults={"last": last})


def deadlines_for(inc) -> list:
    """Closed (met/moot) deadlines of a handled incident, or the open ones of a case still running."""
    from incidents.models import Deadline, Status

    def make(kind, state, due, created, met_at=None, **extra):
        return Deadline(incident=inc, kind=kind, state=state, due_at=due, created_at=created, met_at=met_at,
                        **extra)  # fmt: skip

    met, moot, open_ = Deadline.State.MET, Deadline.State.MOOT, Deadline.State.OPEN
    kind = {1: "round_the_clock", 2: "daily_exchange"}.get(inc.level)
    start, ended = inc.reported_at + H, inc.disposal_ended_at
    out = [make(kind, met, start + 30 * H, start, start + 20 * H)] if kind else []
    if inc.status == Status.IN_DISPOSAL:  # placeholders: REANCHOR sets the times of open deadlines
        if kind:
            out.append(make(kind, open_, start, start, next_notice_at=start))
        if kind and inc.pk % 3 == 0:
            out.append(make("statement_review", open_, start, start, next_notice_at=start))
    elif ended:
        out += [make(kind, moot, ended, start, closed_reason="处置结束")] if kind else []
        out += [make("statement_review", met, start + 2 * H, start, start + H)] if kind else []
        if inc.status == Status.DISPOSAL_ENDED:
            out.append(make("filing", open_, ended + 12 * H, ended, next_notice_at=ended + 10 * H))
        else:
            out.append(make("filing", met, ended + 12 * H, ended, ended + 6 * H))
    return out


def ms_stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20, help="no-op sweeps")
    parser.add_argument("--due-repeat", type=int, default=5, help="sweeps with --due deadlines due")
    parser.add_argument("--emails", type=int, default=500, help="email notices delivered one by one")
    parser.add_argument("--reseed", action="store_true", help="drop and recreate the database, then seed")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    name = prepare_database(url, drop=args.reseed)

    import django

    django.setup()
    from django.conf import settings
    from django.core import mail
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Subquery
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from incidents import engine
    from incidents.models import Deadline, Incident, IncidentEvent
    from notifications import delivery
    from notifications.models import Notice

    call_command("migrate", verbosity=0)
    held = Incident.objects.count()
    if 0 < held < args.incidents:
        print(f"{name} holds {held:,} < {args.incidents:,} incidents: recreating it", file=sys.stderr)
        connection.close()
        prepare_database(url, drop=True)
        call_command("migrate", verbosity=0)
        held = 0
    if held == 0:
        print(f"seeding {args.incidents:,} incidents into {name} …", file=sys.stderr)
        started = time.perf_counter()
        seed(args.incidents)
        connection.cursor().execute("VACUUM ANALYZE")
        print(f"  seeded in {time.perf_counter() - started:.0f} s", file=sys.stderr)

    def reset() -> None:
        """Back to the seeded state: no notices, no case-log lines, open deadlines re-anchored to now."""
        Notice.objects.all().delete()
        IncidentEvent.objects.all().delete()
        with history_writable():
            Deadline.history.model.objects.all().delete()
        connection.cursor().execute(REANCHOR, {"now": timezone.now()})

    def make_due(d: int) -> None:  # one UPDATE; reset stages so every row writes notices
        first = Deadline.objects.filter(state=Deadline.State.OPEN).order_by("pk").values("pk")[:d]
        Deadline.objects.filter(pk__in=Subquery(first)).update(
            next_notice_at=timezone.now() - dt.timedelta(minutes=1),
            **dict.fromkeys(["reminded_at", "overdue_at", "escalated_at"]), overdue_notices=0,
        )  # fmt: skip

    def timed_sweep() -> tuple[float, list, engine.SweepResult]:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = engine.sweep()
            elapsed = (time.perf_counter() - started) * 1000
        return elapsed, captured.captured_queries, result

    def explain_claim() -> list[str]:
        """EXPLAIN ANALYZE of exactly the SQL claim_due sends (captured), in a transaction as the sweep does."""
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            engine.claim_due(timezone.now())
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + captured.captured_queries[0]["sql"])
                return [row[0] for row in cursor.fetchall()]

    def count(queries: list, *verbs: str) -> int:
        return sum(q["sql"].lstrip().upper().startswith(verbs) for q in queries)

    def kinds(queries: list) -> str:
        writes = count(queries, "INSERT", "UPDATE", "DELETE")
        return f"{count(queries, 'SELECT')} SELECT + {writes} write{'s' * (writes != 1)}"

    def plan(lines: list[str]) -> list[str]:
        keep = [re.sub(r"^\s*(->\s*)?|\s*[(]cost=[^)]*[)]", "", ln) for ln in lines]
        keep = [ln for ln in keep if re.match("Index Cond|.*Scan|.*Time:", ln)]
        return [f"{'      ' if ln.startswith('Index Cond') else '    '}{ln}"[:120] for ln in keep]

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    try:
        reset()
        engine.sweep()  # warm-up: connection, heartbeat row
        noop = [timed_sweep() for _ in range(args.repeat)]
        assert all(r.processed == 0 for _, _, r in noop), "open deadlines were due during the no-op sweeps"
        noop_plan = explain_claim()
        runs: dict[int, list] = {}
        for d, times in ((100, 1), (args.due, args.due_repeat)):
            for _ in range(times):
                reset()
                make_due(d)
                runs.setdefault(d, []).append(timed_sweep())
        make_due(args.due)  # the last run's deadlines due again (their next stage), for the plan
        due_plan = explain_claim()
        written = Notice.objects.count()
        started = time.perf_counter()
        in_app = delivery.deliver_in_app_now()
        in_app_s = time.perf_counter() - started
        emails = Notice.objects.filter(channel=Notice.Channel.EMAIL).order_by("pk")
        ids = list(emails.values_list("pk", flat=True)[: args.emails])
        mail.outbox = []
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            outcomes = [delivery.deliver(i) for i in ids]
            email_s = time.perf_counter() - started
        sent_mails, email_queries = len(mail.outbox), len(captured.captured_queries)
    finally:
        reset()
        mail.outbox = []

    pg = f"{connection.pg_version // 10000}.{connection.pg_version % 10000}"
    noop_med, noop_p95 = ms_stats([t for t, _, _ in noop])
    due_med, due_p95 = ms_stats([t for t, _, _ in runs[args.due]])
    (_, q100, _), (_, q_due, r_due) = runs[100][0], runs[args.due][0]
    # Per-row work must add no query: the same SELECTs, and writes that grow only by batches (the deadlines,
    # their history and case-log lines per 500 rows, notices per 1,000 rows) plus the heartbeat.
    budget = 1 + 3 * -(-r_due.processed // 500) + -(-r_due.notices // 1000)
    constant = count(q100, "SELECT") == count(q_due, "SELECT") and count(q_due, "INSERT", "UPDATE") <= budget
    uses_index = all("deadline_open_next_notice" in "\n".join(p) for p in (noop_plan, due_plan))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    ok = {True: "OK", False: "MISSED"}
    row = "{:<34}{:>10}{:>10}{:>9}  {}".format

    out = [
        f"Deadline sweep benchmark — database {name}, {timezone.localtime():%Y-%m-%d %H:%M %Z}",
        f"machine  {cores} CPUs ({platform.machine()}), Python {platform.python_version()}, "
        f"PostgreSQL {pg}, Django {django.get_version()}, DEBUG={settings.DEBUG}",
        f"data     {Incident.objects.count():,} incidents, {Deadline.objects.count():,} deadlines "
        f"({Deadline.objects.filter(state='open').count():,} open), sweep limit {engine.SWEEP_LIMIT} rows",
        "",
        row("measurement", "median", "p95", "queries", "notes"),
        row(f"no-op sweep (x{args.repeat})", f"{noop_med:.1f}ms", f"{noop_p95:.1f}ms", len(noop[0][1]),
            kinds(noop[0][1])),
    ]  # fmt: skip
    for d, rows in runs.items():
        med, p95 = ms_stats([t for t, _, _ in rows])
        r = rows[0][2]
        notes = f"{r.processed:,} advanced, {r.notices:,} notices; {kinds(rows[0][1])}"
        out.append(
            row(f"sweep, {d:,} due (x{len(rows)})", f"{med:.1f}ms", f"{p95:.1f}ms", len(rows[0][1]), notes)
        )
    out += [
        row("deliver_in_app_now()", f"{in_app_s * 1000:.1f}ms", "", 1,
            f"{in_app:,} of {written:,} notices: {in_app / in_app_s:,.0f} notices/s"),
        row(f"deliver() x{len(ids)} email (locmem)", f"{email_s * 1000:.0f}ms", "", email_queries,
            f"{len(ids) / email_s:,.0f} notices/s, {email_queries / max(1, len(ids)):.1f} queries each, "
            f"{outcomes.count('sent')} sent, {sent_mails} mails"),
        "",
        "claim query (EXPLAIN ANALYZE of the SQL claim_due sends; scans and times), nothing due:",
        *plan(noop_plan),
        f"claim query, {args.due:,} due:",
        *plan(due_plan),
        "",
        "targets",
        f"  no-op sweep p95 < 20 ms          {noop_p95:>9.1f} ms               {ok[noop_p95 < 20]}",
        f"  {args.due:,}-due sweep p95 < 2 s      {due_p95:>9.1f} ms (median {due_med:.0f})  {ok[due_p95 < 2000]}",
        f"  claim query uses the partial index deadline_open_next_notice   {ok[uses_index]}",
        f"  query count constant             100 due: {kinds(q100)}; {args.due:,} due: {kinds(q_due)} "
        f"(write batches ≤ {budget})   {ok[constant]}",
    ]  # fmt: skip
    print("\n".join(out))


if __name__ == "__main__":
    main()
