"""Benchmark of the incident list's Excel export on PostgreSQL (not a test).

    .venv/bin/python scripts/bench_exports.py [--rows 10000] [--repeat 3]

Creates (if missing) and seeds its own database, opinion_bench_export, on the PostgreSQL server of DATABASE_URL
(default postgres://postgres@127.0.0.1:5432/...): one department, one reporter, and incidents made with
bulk_create up to --rows (kept between runs; nothing else is created or dropped). Then downloads
/incidents/export.xlsx as a superuser through Django's test client, --repeat times, and reports the time of each
(the whole response read) and the process's peak RSS (resource.getrusage) before and after. DEBUG is off.
"""

# ruff: noqa: E402 - Django is set up after the environment is
import argparse
import datetime as dt
import io
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
NAME = "opinion_bench_export"


def database_url() -> str:
    import environ

    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    cfg = environ.Env.db_url_config(base)
    if "postgresql" not in cfg["ENGINE"]:
        sys.exit("bench_exports: PostgreSQL only (set DATABASE_URL to a PostgreSQL server).")
    import psycopg
    from psycopg import sql

    params = {"host": cfg["HOST"] or None, "port": cfg["PORT"] or None, "user": cfg["USER"] or None,
              "password": cfg["PASSWORD"] or None}  # fmt: skip
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [NAME]).fetchone():
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(NAME)))
    user = f"{cfg['USER']}@" if cfg["USER"] else ""
    return f"postgres://{user}{cfg['HOST'] or '127.0.0.1'}:{cfg['PORT'] or 5432}/{NAME}"


os.environ.update(DATABASE_URL=database_url(), DJANGO_SETTINGS_MODULE="opinion_system.settings", DEBUG="0",
                  LOG_LEVEL="WARNING", ALLOWED_HOSTS="testserver")  # fmt: skip
os.environ.setdefault("SECRET_KEY", "bench-exports-not-secret")

import django

django.setup()
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from departments.models import Department, User
from incidents.models import Category, Incident, Level, Status


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def seed(rows: int) -> User:
    department, _ = Department.objects.get_or_create(code="benchexp", defaults={"name": "导出基准部门"})
    reporter, _ = User.objects.get_or_create(
        username="bench_export_reporter", defaults={"full_name": "基准上报人"}
    )
    admin = User.objects.filter(username="bench_export_admin").first() or User.objects.create_superuser(
        "bench_export_admin", password=None
    )
    have = Incident.objects.count()
    now = timezone.now()
    statuses = [Status.IN_DISPOSAL, Status.DISPOSAL_ENDED, Status.FILED, Status.ARCHIVED]
    batch = []
    for i in range(have, rows):
        reported = now - dt.timedelta(minutes=37 * i)
        category = "BCDE"[i % 4]
        batch.append(
            Incident(
                number=f"BX-{i:07d}", title=f"基准舆情第{i}条：食堂饭菜涨价引发学生吐槽", summary="基准数据",
                reporting_department=department, responsible_department=department, reporter=reporter,
                discovered_at=reported - dt.timedelta(minutes=20 + i % 90), reported_at=reported,
                category=Category(category), level=Level.values[i % 3], status=statuses[i % 4],
                assessed_at=reported + dt.timedelta(minutes=30), disposal_started_at=reported,
                disposal_ended_at=reported + dt.timedelta(hours=20) if i % 4 else None,
                filed_at=reported + dt.timedelta(hours=28) if i % 4 >= 2 else None,
            )
        )  # fmt: skip
    Incident.objects.bulk_create(batch, batch_size=2000)
    return admin


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    admin = seed(args.rows)
    total = Incident.objects.count()
    client = Client()
    client.force_login(admin)
    print(f"database {NAME}: {total} incidents; peak RSS before the export {peak_rss_mb():.0f} MB")
    for run in range(1, args.repeat + 1):
        started = time.perf_counter()
        response = client.get("/incidents/export.xlsx")
        body = b"".join(response.streaming_content)
        seconds = time.perf_counter() - started
        assert response.status_code == 200, response.status_code
        print(f"run {run}: {seconds:.2f} s, {len(body) / 1e6:.1f} MB file, peak RSS {peak_rss_mb():.0f} MB")
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    print(f"rows in the sheet (header included): {sheet.max_row}")


if __name__ == "__main__":
    main()
