"""Benchmark of the incident pages on a large PostgreSQL database (not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opinion_bench .venv/bin/python scripts/bench_pages.py \
        [--repeat 50] [--seconds 10] [--events 30,100,300] [--load-seconds 20 --load-connections 64] [--detail-only]

Runs only on a PostgreSQL database whose name contains "bench" (opinion_bench by default), seeded by
scripts/bench_sweep.py (seeded here the same way if empty). Adds what the sweep fixture lacks and the pages need:
one source URL per incident and the departments' object permissions (both idempotent, kept); VACUUM ANALYZE of
the tables the pages read (bench_sweep deletes rows and autovacuum may be off). The detail incidents — one per
size in --events, in case-log lines — are made through the real services and deleted, with every row pointing at
them, at the end. DEBUG is off, as in production.

The load run: gunicorn with two workers and wrk (Debian package `wrk`) on the detail page of the largest case at
--load-connections connections for --load-seconds, signed in by a session cookie. --detail-only measures the
detail pages and that load run only (scripts/bench_detail_load.sh).
"""

# ruff: noqa: E402 - Django is set up after the environment is
import argparse
import datetime as dt
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
os.environ.update(DJANGO_SETTINGS_MODULE="opinion_system.settings", DEBUG="0", LOG_LEVEL="WARNING",
                  ALLOWED_HOSTS="testserver,127.0.0.1")  # fmt: skip
os.environ.setdefault("SECRET_KEY", "bench-pages-not-secret")
os.environ.setdefault("STATIC_ROOT", str(Path(tempfile.gettempdir()) / "bench_pages_static"))
# Production's cache and sessions are in Redis, and so are the benchmark's: a database of its own, emptied at the
# end (the notices the detail incident queues are never delivered here).
BENCH_REDIS = "redis://127.0.0.1:6379/13"
os.environ.setdefault("REDIS_URL", BENCH_REDIS)

import bench_sweep  # after the environment it reads
import django
import redis

django.setup()  # no database access yet: main() checks the database first
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.management import call_command
from django.db import connection, reset_queries
from django.template import Context, Template
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from departments.models import Department, User
from departments.services import department_sync_grants
from incidents import access, services
from incidents import models as m
from incidents.views import pages
from notifications.models import Notice

MARK = "【bench_pages】"
DETAIL_URL = "https://tieba.baidu.com/p/9312345678"
SOURCES_SQL = """
INSERT INTO incidents_incidentsource (incident_id, platform, url)
SELECT i.id, (ARRAY['微博','抖音','百度贴吧','微信公众号'])[1 + i.id % 4],
       'https://' || (ARRAY['weibo.com/u','www.douyin.com/video','tieba.baidu.com/p','mp.weixin.qq.com/s'])[1 + i.id % 4]
       || '/' || (8000000 + i.id)
FROM incidents_incident i WHERE NOT EXISTS (SELECT 1 FROM incidents_incidentsource s WHERE s.incident_id = i.id)"""
FLOOR_SQL = """
SELECT i.id, i.number, i.title, i.level, i.category, i.status, i.reported_at, d.name
FROM incidents_incident i JOIN departments_department d ON d.id = i.responsible_department_id
WHERE %s OR i.responsible_department_id = %s OR i.reporter_id = %s
ORDER BY i.reported_at DESC, i.id DESC LIMIT 25"""
FLOOR_TEMPLATE = """<table>{% for r in rows %}<tr><td><a href="/incidents/{{ r.0 }}/">{{ r.1 }}</a></td>
<td>{{ r.2 }}</td><td>{{ r.3 }} {{ r.4 }}</td><td>{{ r.7 }}</td><td>{{ r.5 }}</td>
<td>{{ r.6|date:"Y-m-d H:i" }}</td></tr>{% endfor %}</table>"""
# (label, path, query, target kind)
PAGES = [
    ("list, first page", "/incidents/", {}, "list"),
    ("list ?status=in_disposal&level=2", "/incidents/", {"status": "in_disposal", "level": "2"}, "list"),
    ("search ?q=后勤 (~6% of titles)", "/incidents/", {"q": "后勤"}, "search"),
    ("search ?q=食堂 (1 title)", "/incidents/", {"q": "食堂"}, "search"),
    ("search ?q=<URL fragment>", "/incidents/", {"q": DETAIL_URL.split("//")[1]}, "search"),
    ("detail", "detail", {}, "detail"),  # one row per case size (--events)
    ("home", "/", {}, None),
    ("dashboard (this year)", "/dashboard/", {}, "dashboard"),
    ("yearly evaluation (this year)", "/evaluation/", {}, "evaluation"),
    ("yearly evaluation 2025", "/evaluation/", {"year": "2025"}, "evaluation"),
]
VACUUM_TABLES = ["incidents_incident", "incidents_deadline", "incidents_notice", "incidents_incidentevent",
                 "incidents_incidentsource", "django_session"]  # fmt: skip
TARGET_MS = {"list": 30, "search": 100, "detail": 50, "dashboard": 150, "evaluation": 1000}
LOAD_P99_MS = 1000  # the detail page of the largest case under --load-connections


def timed(fn, repeat: int, warmup: int = 3, cpu: list | None = None) -> list[float]:
    """Wall-clock milliseconds of each call; with `cpu`, this process's CPU milliseconds appended there (on a
    loaded machine the CPU time of the Python side is the steadier figure; PostgreSQL's is not in it)."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - cpu_started) * 1000)
    return samples


def prepare(n: int):
    """Database checks, seeding, fixture additions; returns (office user, liaison, approver, department)."""
    url = os.environ.get("DATABASE_URL", "")
    name = bench_sweep.prepare_database(url, drop=False)  # refuses SQLite and any name without 'bench'
    call_command("migrate", verbosity=0)
    held = m.Incident.objects.exclude(title__startswith=MARK).count()
    if held == 0:
        print(f"seeding {n:,} incidents into {name} (bench_sweep.seed) …", file=sys.stderr)
        bench_sweep.seed(n)
        held = m.Incident.objects.exclude(title__startswith=MARK).count()  # the sources below are added now
    elif held < n:
        sys.exit(f"{name} holds {held:,} < {n:,} incidents: run bench_sweep.py --incidents {n} --reseed")
    if m.IncidentSource.objects.count() < held:
        print("adding one source URL per seeded incident …", file=sys.stderr)
        connection.cursor().execute(SOURCES_SQL)
    connection.cursor().execute(f"VACUUM ANALYZE {', '.join(VACUUM_TABLES)}")
    for department in Department.objects.all():
        department_sync_grants(department)
    print("collectstatic (DEBUG off needs the manifest) …", file=sys.stderr)
    call_command("collectstatic", interactive=False, verbosity=0)
    users = User.objects.in_bulk(["office1", "xsc_liaison", "dzb_approver"], field_name="username")
    return users["office1"], users["xsc_liaison"], users["dzb_approver"], Department.objects.get(code="XSC")


def drop_bench_incidents() -> None:
    """Delete the incidents this script made and every row that points at them."""
    ids = list(m.Incident.objects.filter(title__startswith=MARK).values_list("pk", flat=True))
    with bench_sweep.history_writable():
        for model in (Notice, m.IncidentEvent, m.ProgressReport, m.ReplyStatement, m.DisposalForm,
                      m.LevelOneDuty, m.GradeEscalation, m.IncidentSource, m.Evidence, m.Deadline):  # fmt: skip
            model.objects.filter(incident_id__in=ids).delete()
            if hasattr(model, "history"):
                model.history.model.objects.filter(incident_id__in=ids).delete()
        m.Incident.history.model.objects.filter(id__in=ids).delete()
        m.Incident.objects.filter(pk__in=ids).delete()


def build_detail_incident(office, liaison, approver, department, events: int = 31):
    """A level-2 case handled through the services: report, assessment, sources, statement rounds (one more per
    30 lines of the case log, the last approved and published), then progress reports up to `events` lines."""
    incident = services.incident_report(
        reporter=liaison, title=f"{MARK}学生食堂饭菜质量问题引发网络讨论（{events} 条处置记录）",
        discovered_at=timezone.now() - dt.timedelta(hours=2),
        summary="有学生在贴吧发帖反映食堂饭菜质量问题，跟帖较多。" * (1 + events // 10), sources=[("百度贴吧", DETAIL_URL)],
    )  # fmt: skip
    incident = services.incident_assess(incident=incident, actor=office, category="C", level=2,
                                        responsible_department=department, reason="跟帖增长较快")  # fmt: skip
    for k in range(2):
        services.source_add(incident=incident, actor=liaison, platform="抖音", url=f"https://www.douyin.com/video/73{k}")  # fmt: skip
    rounds = max(2, events // 30)
    for rnd in range(1, rounds + 1):
        approve = rnd == rounds
        draft = services.statement_save_draft(incident=incident, actor=liaison, text=f"回复通稿第{rnd}稿：已约谈承包商。")  # fmt: skip
        statement = services.statement_submit(statement=draft, actor=liaison)
        review = services.statement_approve if approve else services.statement_reject
        review(statement=statement, actor=approver, comment="" if approve else "请补充整改时限")
    services.statement_publish(statement=statement, actor=liaison, where="贴吧原帖下回复")
    for k in range(max(0, events - incident.events.count())):
        services.progress_report_add(incident=incident, actor=liaison, content=f"第{k + 1}次互通信息：整改推进中。")  # fmt: skip
    return incident


def explain(sql: str) -> list[str]:
    """EXPLAIN ANALYZE of a captured query: the plan nodes that took 1 ms or more, their filters, the total."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        lines = [re.sub(r"^\s*(->\s*)?|\s*[(]cost=[^)]*[)]", "", row[0]) for row in cursor.fetchall()]
    keep, slow = [], False
    for ln in lines:
        took = re.search(r"actual time=[\d.]+\.\.([\d.]+)", ln)
        slow = float(took[1]) >= 1 if took else slow and re.match(r"Filter|Index Cond|Sort Method|Rows Rem", ln)  # fmt: skip
        if slow or ln.startswith("Execution Time"):
            keep.append(f"      {ln}"[:170])
    return keep


def bench_user(
    user, label: str, details: dict[int, m.Incident], repeat: int, *, detail_only: bool = False
) -> dict:
    """Every page for one user: timings, queries (count, SQL time, the slowest), then the floor of the list."""
    client, results = Client(), []
    client.force_login(user)
    pages_ = [(f"detail ({n} events)", f"/incidents/{i.pk}/", {}, "detail") for n, i in details.items()]
    pages_ = (
        pages_ if detail_only else [p for row in PAGES for p in (pages_ if row[1] == "detail" else [row])]
    )
    for name, path, data, kind in pages_:
        client.get(path, data)
        reset_queries()  # a request empties the log, so the capture must start from an empty one
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, data)
        queries = captured.captured_queries  # a view of the live log: read it before the next request
        found = re.search(r"共(约?) (\d+) 条", response.content.decode())  # 约: a long list's rounded total
        fine, cpu = response.status_code == 200, []
        results.append({"name": name, "kind": kind if fine else None, "status": response.status_code,
                        "samples": timed(lambda p=path, d=data: client.get(p, d), repeat, cpu=cpu) if fine else [],
                        "cpu": cpu,
                        "queries": len(queries), "sql_ms": sum(float(q["time"]) for q in queries) * 1000,
                        "slowest": max(queries, key=lambda q: float(q["time"])), "rows": f"{found[1]}{found[2]}" if found else ""})  # fmt: skip
    client.logout()
    if detail_only:
        return {"label": label, "who": label.split(" ")[0], "pages": results, "floor": None}
    params, template = [access.sees_all(user), user.department_id or 0, user.pk], Template(FLOOR_TEMPLATE)

    def fetch():
        with connection.cursor() as cursor:
            cursor.execute(FLOOR_SQL, params)
            return cursor.fetchall()

    rows = fetch()
    assert len(rows) == 25
    floor = {"sql": timed(fetch, repeat), "render": timed(lambda: template.render(Context({"rows": rows})), repeat),
             "both": timed(lambda: template.render(Context({"rows": fetch()})), repeat)}  # fmt: skip
    return {"label": label, "who": label.split(" ")[0], "pages": results, "floor": floor}


def list_queries_by_page_size(user) -> dict[int, int]:
    """The list's queries with 25 and with 100 rows a page (PAGE_SIZE monkeypatched)."""
    client, counts, saved = Client(), {}, pages.PAGE_SIZE
    client.force_login(user)
    try:
        for size in (25, 100):
            pages.PAGE_SIZE = size
            client.get("/incidents/")
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                assert client.get("/incidents/").content.decode().count("<tr class=") == size
            counts[size] = len(captured.captured_queries)
    finally:
        pages.PAGE_SIZE = saved
        client.logout()
    return counts


def throughput(
    user, seconds: int, path: str = "/incidents/", connections: int = 8, expect: str = "舆情列表"
) -> dict:
    """gunicorn (2 sync workers) on a free loopback port, a session made in the DB; wrk on one page (the list)."""
    store = SessionStore()
    store.update({SESSION_KEY: str(user.pk), HASH_SESSION_KEY: user.get_session_auth_hash(),
                  BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend"})  # fmt: skip
    store.create()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url, cookie = f"http://127.0.0.1:{port}{path}", f"{settings.SESSION_COOKIE_NAME}={store.session_key}"
    log = Path(tempfile.gettempdir()) / f"bench_pages_gunicorn_{port}.log"
    command = [str(Path(sys.executable).parent / "gunicorn"), "opinion_system.wsgi", "--workers", "2",
               "--bind", f"127.0.0.1:{port}", "--error-logfile", str(log)]  # fmt: skip
    env = {**os.environ, "ALLOWED_HOSTS": "127.0.0.1"}
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    server = subprocess.Popen(command, cwd=ROOT, env=env, **quiet)  # noqa: S603
    try:
        for _ in range(300):
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie})) as r:
                    assert r.url == url and expect in r.read().decode(), "the session did not sign in"
                    break
            except OSError:
                time.sleep(0.1)
        else:
            sys.exit(f"gunicorn did not answer:\n{log.read_text()[-2000:]}")
        wrk = shutil.which("wrk")
        if not wrk:
            return urllib_loop(url, cookie, seconds, threads=connections)
        # --timeout above the p99 target: a slower answer is counted as one, not dropped as an error
        out = subprocess.run([wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency",  # noqa: S603
                              "-H", f"Cookie: {cookie}", url], capture_output=True, text=True, check=True).stdout  # fmt: skip
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        timeouts = re.search(r"Socket errors:.*timeout (\d+)", out)
        p50, p99 = (re.search(rf"^\s*{q}%\s+(\S+)", out, re.M)[1] for q in (50, 99))
        return {"tool": f"wrk -t2 -c{connections}", "rps": float(re.search(r"Requests/sec:\s*([\d.]+)", out)[1]),
                "latency": f"p50 {p50}, p99 {p99}", "p99_ms": wrk_ms(p99),
                "requests": int(re.search(r"(\d+) requests in", out)[1]),
                "errors": (int(errors[1]) if errors else 0) + (int(timeouts[1]) if timeouts else 0)}  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
        store.delete()
        log.unlink(missing_ok=True)


def wrk_ms(text: str) -> float:
    """wrk's latency ("812.34ms", "1.20s", "950.00us") in milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def urllib_loop(url: str, cookie: str, seconds: int, threads: int = 8) -> dict:
    """Without wrk: `threads` threads of urllib for `seconds` (no latency figures)."""
    counts, lock, stop = [0, 0], threading.Lock(), time.perf_counter() + seconds

    def worker():
        while time.perf_counter() < stop:
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers={"Cookie": cookie})) as r:  # noqa: S310
                    ok = r.read() and r.status == 200
            except OSError:
                ok = False
            with lock:
                counts[0 if ok else 1] += 1

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    return {"tool": f"urllib x{threads} threads (install wrk for latencies)", "rps": counts[0] / seconds,
            "latency": "-", "p99_ms": None, "requests": counts[0], "errors": counts[1]}  # fmt: skip


def report(args, users, details, counts, tput, load, elapsed) -> list[str]:
    ok, targets, profiles = {True: "OK", False: "MISSED"}, [], []
    row = "  {:<34}{:>9}{:>9}{:>9}{:>8}{:>8}{:>6}{:>8}  {}".format
    pg = f"{connection.pg_version // 10000}.{connection.pg_version % 10000}"
    cases = ", ".join(f"{i.number} with {i.events.count()} events" for i in details.values())
    out = [
        f"Incident pages benchmark — database {connection.settings_dict['NAME']}, {timezone.localtime():%Y-%m-%d %H:%M %Z}",
        f"machine  {len(os.sched_getaffinity(0))} CPUs ({platform.machine()}), load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}, Python {platform.python_version()}, PostgreSQL {pg}, "
        f"Django {django.get_version()}, DEBUG={settings.DEBUG}, cache and sessions in Redis "
        f"({settings.SESSION_ENGINE.rsplit('.', 1)[1]})",
        f"data     {m.Incident.objects.count():,} incidents, {m.IncidentSource.objects.count():,} sources; detail "
        f"incidents {cases} (made through incidents.services)",
        f"timing   in-process django.test.Client, median/p95 of {args.repeat} requests after 3 warm-up ones; "
        "queries and SQL time from one more request (CaptureQueriesContext)",
    ]  # fmt: skip
    for u in users:
        out += [
            "",
            u["label"],
            row("page", "median", "p95", "CPU med", "queries", "SQL", "HTTP", "rows", "target"),
        ]
        for p in u["pages"]:
            med, p95 = bench_sweep.ms_stats(p["samples"]) if p["samples"] else (0, 0)
            limit = TARGET_MS.get(p["kind"])
            cpu = f"{bench_sweep.ms_stats(p['cpu'])[0]:.1f}ms" if p["cpu"] else "-"
            times = (f"{med:.1f}ms", f"{p95:.1f}ms", cpu) if p["samples"] else ("-", "-", "-")
            out.append(row(p["name"], *times, p["queries"], f"{p['sql_ms']:.0f}ms", p["status"], p["rows"],
                           f"≤ {limit} ms  {ok[med <= limit]}" if limit else "—"))  # fmt: skip
            if limit:
                targets.append((f"{u['who']}: {p['name']} ≤ {limit} ms", f"{med:.1f} ms", med <= limit))
            if limit and med > limit:
                q = p["slowest"]
                profiles += [f"  {u['who']} — {p['name']}: page {med:.0f} ms, SQL {p['sql_ms']:.0f} ms in "
                             f"{p['queries']} queries; slowest {float(q['time']) * 1000:.0f} ms: {q['sql'][:110]}…",
                             *explain(q["sql"])]  # fmt: skip
        detail_queries = {p["queries"] for p in u["pages"] if p["kind"] == "detail"}
        targets.append((f"{u['who']}: detail query count the same for every case size",
                        "/".join(str(p["queries"]) for p in u["pages"] if p["kind"] == "detail"),
                        len(detail_queries) == 1))  # fmt: skip
        if u["floor"] is None:
            continue
        f = {k: bench_sweep.ms_stats(v)[0] for k, v in u["floor"].items()}
        ratio = bench_sweep.ms_stats(u["pages"][0]["samples"])[0] / f["both"]
        out.append(f"  floor of the first page: raw SQL of the 25 rows {f['sql']:.2f} ms, bare 25-row template "
                   f"{f['render']:.2f} ms, both {f['both']:.2f} ms; list / floor = {ratio:.1f}×")  # fmt: skip
        targets.append((f"{u['who']}: list first page ≤ 3× floor", f"{ratio:.1f}×", ratio <= 3))
    out.append("")
    if counts:
        same = counts[25] == counts[100]
        out += [f"list queries (office1): {counts[25]} at page size 25, {counts[100]} at page size 100",
                f"throughput of /incidents/ (office1 session), gunicorn --workers 2, {tput['tool']}, {args.seconds} s: "
                f"{tput['rps']:.1f} req/s ({tput['requests']:,} requests, {tput['errors']} non-2xx), latency {tput['latency']}"]  # fmt: skip
        targets += [("list query count constant (25 vs 100 rows)", f"{counts[25]} vs {counts[100]}", same),
                    ("throughput > 100 req/s", f"{tput['rps']:.1f}", tput["rps"] > 100 and not tput["errors"])]  # fmt: skip
    if load:
        n = max(details)
        out.append(f"load on the detail page of the {n}-event case (office1 session), gunicorn --workers 2, "
                   f"{load['tool']}, {args.load_seconds} s: {load['rps']:.1f} req/s ({load['requests']:,} requests, "
                   f"{load['errors']} errors or non-2xx), latency {load['latency']}")  # fmt: skip
        p99 = load["p99_ms"]
        targets.append((f"detail ({n} events) p99 ≤ {LOAD_P99_MS} ms at {args.load_connections} connections",
                        "-" if p99 is None else f"{p99:.0f} ms",
                        p99 is not None and p99 <= LOAD_P99_MS and not load["errors"]))  # fmt: skip
    out += ["", "targets", *(f"  {name:<64}{value:>10}  {ok[good]}" for name, value, good in targets)]
    if profiles:
        out += ["", "missed targets — SQL share, slowest query and its EXPLAIN ANALYZE (nodes >= 1 ms)", *profiles]  # fmt: skip
    return [*out, "", f"run time {elapsed:.0f} s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--incidents", type=int, default=100_000, help="seeded if the database is empty")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=10, help="throughput run on the list")
    parser.add_argument("--events", default="30,100,300", help="case-log lines of the detail cases")
    parser.add_argument("--load-seconds", type=int, default=20, help="load run on the largest detail case")
    parser.add_argument("--load-connections", type=int, default=64)
    parser.add_argument("--no-load", action="store_true", help="skip the load run on the detail page")
    parser.add_argument("--detail-only", action="store_true", help="only the detail pages and their load run")
    args = parser.parse_args()
    sizes = sorted({int(n) for n in args.events.split(",")})
    started = time.perf_counter()
    office, liaison, approver, department = prepare(args.incidents)
    drop_bench_incidents()  # left over from an interrupted run
    try:
        print(f"building detail cases of {args.events} events through the services …", file=sys.stderr)
        details = {n: build_detail_incident(office, liaison, approver, department, n) for n in sizes}
        users = [bench_user(office, "office1 (党群工作部, sees every incident)", details, args.repeat,
                            detail_only=args.detail_only),
                 bench_user(liaison, f"xsc_liaison ({department.name} liaison, sees one department)", details,
                            args.repeat, detail_only=args.detail_only)]  # fmt: skip
        counts = None if args.detail_only else list_queries_by_page_size(office)
        tput = None if args.detail_only else throughput(office, args.seconds)
        largest = details[sizes[-1]]
        load = None if args.no_load else throughput(office, args.load_seconds, f"/incidents/{largest.pk}/",
                                                    args.load_connections, largest.number)  # fmt: skip
        lines = report(args, users, details, counts, tput, load, time.perf_counter() - started)
    finally:
        drop_bench_incidents()
        if settings.REDIS_URL == BENCH_REDIS:
            redis.Redis.from_url(BENCH_REDIS).flushdb()
    print("\n".join(lines))


if __name__ == "__main__":
    main()
