"""Benchmark of the list's search box on a large PostgreSQL database (not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opinion_bench_search .venv/bin/python scripts/bench_search.py \
        [--repeat 20]

Runs on a database whose name contains "bench", seeded by `scripts/bench_sweep.py --incidents N` (its titles are
"<部门名称>相关网络舆情 <i>", so a department's name — and the word 后勤 of 后勤管理处 — is in about one title in
sixteen, ~6%). Adds one source URL per incident when they are missing (as scripts/bench_pages.py does; kept),
then measures the list page in-process with the test client, signed in as the office clerk (office1), DEBUG off:
the median and p95 over --repeat runs and the queries of one run. "cold" runs without the count cache, as the
first visit of a search does; the other rows with it, as paging and re-sorting do within a minute (a search is
counted only up to selectors.SEARCH_COUNT_UP_TO, uncached, so its two agree). "rows" is the count the page shows:
"~N" for 共约 N 条, ">N" for 找到超过 N 条.
"""

# ruff: noqa: E402 - Django is set up after the environment is
import argparse
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
os.environ.update(DJANGO_SETTINGS_MODULE="opinion_system.settings", DEBUG="0", LOG_LEVEL="WARNING",
                  ALLOWED_HOSTS="testserver")  # fmt: skip
os.environ.setdefault("SECRET_KEY", "bench-search-not-secret")
os.environ.setdefault("STATIC_ROOT", str(Path(tempfile.gettempdir()) / "bench_search_static"))
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/5")

import bench_sweep  # after the environment it reads
import django

django.setup()
from django.core.cache.backends.dummy import DummyCache
from django.core.management import call_command
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from departments.models import User
from incidents import selectors
from incidents.models import Incident, IncidentSource

SOURCES_SQL = """
INSERT INTO incidents_incidentsource (incident_id, platform, url)
SELECT i.id, (ARRAY['微博','抖音','百度贴吧','微信公众号'])[1 + i.id % 4],
       'https://' || (ARRAY['weibo.com/u','www.douyin.com/video','tieba.baidu.com/p','mp.weixin.qq.com/s'])[1 + i.id % 4]
       || '/' || (8000000 + i.id)
FROM incidents_incident i WHERE NOT EXISTS (SELECT 1 FROM incidents_incidentsource s WHERE s.incident_id = i.id)"""


def timed(fn, repeat: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    name = bench_sweep.prepare_database(os.environ.get("DATABASE_URL", ""), drop=False)
    call_command("migrate", verbosity=0)
    held = Incident.objects.count()
    if held == 0:
        sys.exit(f"{name} is empty: seed it with scripts/bench_sweep.py --incidents N")
    if IncidentSource.objects.count() < held:
        print("adding one source URL per incident …", file=sys.stderr)
        connection.cursor().execute(SOURCES_SQL)
        connection.cursor().execute("VACUUM ANALYZE incidents_incidentsource")
    call_command("collectstatic", interactive=False, verbosity=0)
    clerk = User.objects.get(username="office1")
    liaison = User.objects.filter(username="hqbwc_liaison").first()  # 后勤保卫处 (bench_sweep)
    client = Client()
    client.force_login(clerk)

    some = Incident.objects.order_by("-id").values_list("title", flat=True)[12345]
    rare = some.rsplit(" ", 1)[1]  # the running number of one title: in a handful of titles
    cases = [
        ("list, no search", {}),
        ("q=后勤 (~6% of titles)", {"q": "后勤"}),
        ("q=后勤 网络舆情 (two words, ~6%)", {"q": "后勤 网络舆情"}),
        ("q=后勤 page 40", {"q": "后勤", "page": "40"}),
        (f"q={rare} (a few titles)", {"q": rare}),
        (f"q=后勤 {rare} (two words, ≤1 row)", {"q": f"后勤 {rare}"}),
        ("q=weibo.com/u/8000124 (one URL)", {"q": "weibo.com/u/8000124"}),
    ]
    if liaison:
        cases.append((f"q={liaison.full_name} (a liaison's name, ~6%)", {"q": liaison.full_name}))

    print(
        f"{name}: {held:,} incidents, {IncidentSource.objects.count():,} sources; signed in as {clerk.username}"
    )
    print(f"python {platform.python_version()}, load {os.getloadavg()[0]:.2f}, repeat {args.repeat}")
    print(f"{'case':44} {'rows':>7} {'median':>8} {'p95':>8} {'cold med':>9} {'queries':>7}")
    for label, query in cases:

        def get(query=query):
            response = client.get("/incidents/", query)
            assert response.status_code == 200, response.status_code

        reset_queries()  # a request empties the log, so the capture must start from an empty one
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/incidents/", query)
        queries = len(captured.captured_queries)  # a view of the live log: read before the next request
        shown = re.search(r"(共约|共|超过) ?([\d,]+) 条", response.content.decode())
        warm = sorted(timed(get, args.repeat))
        real_cache = selectors.cache
        selectors.cache = DummyCache("bench-search", {})  # every visit counts again, as a first visit does
        try:
            cold = timed(get, max(3, args.repeat // 4), warmup=0)
        finally:
            selectors.cache = real_cache
        rows = f"{ {'共约': '~', '超过': '>'}.get(shown[1], '') }{shown[2]}" if shown else "?"
        p95 = warm[max(0, -(-95 * len(warm) // 100) - 1)]
        print(f"{label:44} {rows:>7} {statistics.median(warm):8.1f} {p95:8.1f} "
              f"{statistics.median(cold):9.1f} {queries:7}")  # fmt: skip


if __name__ == "__main__":
    main()
