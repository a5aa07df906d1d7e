"""Benchmark of the printed 处置表 (reports.pdf), with the full Noto CJK faces and with the GB2312 cut.

    .venv/bin/python scripts/bench_pdf.py [--warm 30] [--renders 200] [--downloads 50]

For each font mode a fresh process measures: the cold render (the first in the process: fontconfig check,
FontConfiguration, the font cut, stylesheet, template, then drawing), the warm render (median and p95 of
--warm renders of a filled form) and the resident memory over --renders renders (VmRSS sampled, VmHWM at
the end). Then this process makes a private test database (TEST_DB_NAME, default test_opinion_pdf_bench,
dropped at the end), fills one form through the real services and times the download through the view with
django.test.Client: the first (drawn) and then --downloads cached ones (the configured cache: Redis with the
test settings). Targets: warm render < 100 ms, memory flat over the renders, cached download < 20 ms.
"""

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opinion_system.settings_test")
os.environ.setdefault("TEST_DB_NAME", "test_opinion_pdf_bench")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def child(mode: str, warm: int, renders: int) -> None:
    """One font mode in a fresh process; prints one JSON line."""
    import django

    django.setup()
    from reports import pdf

    pdf.reset(subset_fonts=(mode == "subset"))
    filled = dataclasses.replace(
        pdf.SAMPLE,
        incident_id=1,
        number="YQ-2026-0001",
        sources=("微博　https://weibo.example/post/1", "百度贴吧　https://tieba.baidu.com/p/9312345678"),
        disposal_situation="接报后学生处会同后勤处核查食堂价格，约谈发帖学生，说明调价原因并公开账目；"
        "次日在校园网发布情况说明，相关话题热度回落，舆情平息。",
    )
    rss_start = status_kb("VmRSS")
    started = time.perf_counter()
    pdf.engine.state()
    state_s = time.perf_counter() - started
    first = pdf.render(filled)
    cold_s = time.perf_counter() - started
    times = []
    for _ in range(warm):
        t = time.perf_counter()
        data = pdf.render(filled)
        times.append(time.perf_counter() - t)
    rss = {}
    for i in range(1, renders + 1):
        pdf.render(filled)
        if i in (1, 50, 100, 150, renders):
            rss[i] = status_kb("VmRSS")
    print(
        json.dumps(
            {
                "mode": mode,
                "state_s": state_s,
                "cold_s": cold_s,
                "warm_median_ms": statistics.median(times) * 1000,
                "warm_p95_ms": percentile(times, 0.95) * 1000,
                "size_kb": len(data) / 1024,
                "first_size_kb": len(first) / 1024,
                "rss_start_mb": rss_start / 1024,
                "rss_mb": {k: v / 1024 for k, v in rss.items()},
                "hwm_mb": status_kb("VmHWM") / 1024,
            }
        )
    )


def archive_child(repeat: int, export_cases: int) -> None:
    """The work archive in a fresh process, on its own test database: prints one JSON line.

    A level-2 case with 30 events (tests.factories.rich_case) is laid down through the services; the job is
    then run as the worker runs it (reports.services.dossier_build): cold (the first PDF of the process:
    fonts, stylesheets, templates), then --repeat times warm, with the time to collect the records and to
    draw apart; then a period export of --export-cases archived incidents whose dossiers exist.
    """
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    from incidents import services as incident_services
    from incidents.models import IncidentEvent
    from reports import selectors, services
    from reports.models import Dossier
    from reports.pdf import dossier as dossier_pdf
    from tests.factories import build_org, filed, rich_case

    setup_test_environment()
    settings.DATABASES["default"]["TEST"]["NAME"] += "_archive"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    services._dispatch = lambda kind, pk: None  # nothing drawn behind our back: the job is timed below
    try:
        org = build_org()
        incident = rich_case(org)
        events = IncidentEvent.objects.filter(incident=incident).count()
        dossier = Dossier.objects.get(incident=incident)
        rss_start = status_kb("VmRSS")
        t = time.perf_counter()
        assert services.dossier_build(dossier_id=dossier.pk) == "done"
        cold_s = time.perf_counter() - t

        def again() -> float:
            with transaction.atomic():
                services.dossier_request(incident=incident, actor=org.p.clerk, queue=False)
            t = time.perf_counter()
            assert services.dossier_build(dossier_id=dossier.pk) == "done"
            return time.perf_counter() - t

        jobs, collects, renders, rss = [], [], [], {}
        for i in range(1, repeat + 1):
            jobs.append(again())
            t = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                data = selectors.dossier_data(incident)
            collects.append(time.perf_counter() - t)
            t = time.perf_counter()
            pdf_bytes = dossier_pdf.render(data)
            renders.append(time.perf_counter() - t)
            if i in (1, repeat // 2, repeat):
                rss[i] = status_kb("VmRSS") / 1024
        dossier.refresh_from_db()

        others = []
        for _ in range(export_cases - 1):
            other = filed(org)
            with transaction.atomic():
                incident_services.incident_archive(incident=other, actor=org.p.clerk)
            others.append(Dossier.objects.get(incident=other).pk)
        t = time.perf_counter()
        for pk in others:
            services.dossier_build(dossier_id=pk)
        drawn_s = time.perf_counter() - t
        day = selectors.local(incident.archived_at)[:10]
        start = dt.date.fromisoformat(day) - dt.timedelta(days=7)
        with transaction.atomic():
            end = dt.date.fromisoformat(selectors.local(timezone.now())[:10])
            export = services.export_request(actor=org.p.clerk, start=start, end=end)
        t = time.perf_counter()
        assert services.export_build(export_id=export.pk) == "done"
        export_s = time.perf_counter() - t
        export.refresh_from_db()
        print(
            json.dumps(
                {
                    "events": events,
                    "pages": dossier.pages,
                    "size_kb": dossier.size / 1024,
                    "cold_s": cold_s,
                    "job_median_ms": statistics.median(jobs) * 1000,
                    "job_p95_ms": percentile(jobs, 0.95) * 1000,
                    "collect_median_ms": statistics.median(collects) * 1000,
                    "collect_queries": len(queries.captured_queries),
                    "render_median_ms": statistics.median(renders) * 1000,
                    "render_p95_ms": percentile(renders, 0.95) * 1000,
                    "render_size_kb": len(pdf_bytes) / 1024,
                    "rss_start_mb": rss_start / 1024,
                    "rss_mb": rss,
                    "hwm_mb": status_kb("VmHWM") / 1024,
                    "other_dossiers_s": drawn_s,
                    "export_cases": export.total,
                    "export_s": export_s,
                    "export_kb": export.size / 1024,
                }
            )
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run_child(mode: str, args) -> dict:
    command = [
        sys.executable,
        __file__,
        "--child",
        mode,
        "--warm",
        str(args.warm),
        "--renders",
        str(args.renders),
        "--dossiers",
        str(args.dossiers),
        "--export-cases",
        str(args.export_cases),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)  # noqa: S603
    if done.returncode:
        sys.exit(f"{mode}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def downloads(count: int) -> dict:
    """The view, through django.test.Client, on a private test database."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    from departments import services as dept_services
    from departments.models import Department, User
    from departments.roles import Role
    from incidents import services
    from reports import pdf

    setup_test_environment()
    name = settings.DATABASES["default"]["TEST"]["NAME"]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        root = User.objects.create_superuser("bench_root")
        office = dept_services.department_save(
            actor=root, department=Department(name="党群工作部", code="dqgzb", duty=Department.Duty.OFFICE)
        )
        xsc = dept_services.department_save(actor=root, department=Department(name="学生处", code="xsc"))
        clerk = User.objects.create_user("bench_clerk", full_name="办公室文员", department=office)
        dept_services.user_set_roles(actor=root, user=clerk, roles=[Role.OFFICE])
        clerk = User.objects.get(pk=clerk.pk)
        liaison = User.objects.create_user("bench_liaison", full_name="学生处联络员", department=xsc)
        head = User.objects.create_user("bench_head", full_name="学生处处长", department=xsc)
        dept_services.department_set_head(actor=root, department=xsc, head=head)
        dept_services.liaison_register(actor=clerk, department=xsc, user=liaison)
        liaison, head = User.objects.get(pk=liaison.pk), User.objects.get(pk=head.pk)
        incident = services.incident_report(
            reporter=liaison,
            title="食堂饭菜涨价引发学生吐槽",
            summary="有学生在微博发帖称食堂饭菜一周内涨价三成。",
            discovered_at=timezone.now() - dt.timedelta(hours=5),
            sources=[("微博", "https://weibo.example/post/1")],
        )
        services.incident_assess(
            incident=incident, actor=clerk, category="C", level=3, responsible_department=xsc
        )
        services.disposal_form_save(
            incident=incident,
            actor=liaison,
            team_members="组长：学生处处长；成员：学生处联络员、后勤处干事",
            disposal_situation="核查食堂价格，约谈发帖学生，在校园网发布情况说明，舆情平息。",
            follow_up="持续关注一周，未见反弹。",
        )
        services.disposal_form_sign(incident=incident, actor=head)

        client = Client()
        client.force_login(liaison)
        url = reverse("reports:disposal_form_pdf", args=[incident.pk])
        pdf.warm_up()
        t = time.perf_counter()
        first = client.get(url)
        first_ms = (time.perf_counter() - t) * 1000
        assert first.status_code == 200 and first["Content-Type"] == "application/pdf", first.status_code
        renders = pdf.stats["renders"]
        times = []
        for _ in range(count):
            t = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - t)
            assert response.content == first.content
        assert pdf.stats["renders"] == renders, "a cached download drew the form again"
        cache.delete(pdf.disposal_form.cache_key(pdf.form_data(incident)))
        return {
            "first_ms": first_ms,
            "cached_median_ms": statistics.median(times) * 1000,
            "cached_p95_ms": percentile(times, 0.95) * 1000,
            "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
            "database": name,
        }
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--warm", type=int, default=30)
    parser.add_argument("--renders", type=int, default=200)
    parser.add_argument("--downloads", type=int, default=50)
    parser.add_argument("--dossiers", type=int, default=20, help="warm dossier jobs of the 30-event case")
    parser.add_argument("--export-cases", type=int, default=10, help="archived incidents in the ZIP export")
    parser.add_argument("--child", choices=["full", "subset", "archive"])
    args = parser.parse_args()
    if args.child == "archive":
        archive_child(args.dossiers, args.export_cases)
        return
    if args.child:
        child(args.child, args.warm, args.renders)
        return

    load = os.getloadavg()
    results = {mode: run_child(mode, args) for mode in ("full", "subset")}
    archive = run_child("archive", args)
    view = downloads(args.downloads)
    full, cut = results["full"], results["subset"]

    def rss(r):
        points = r["rss_mb"]
        return (
            " / ".join(f"{points[k]:.0f}" for k in sorted(points, key=int)) + f" MB, peak {r['hwm_mb']:.0f}"
        )

    rows = [
        (
            "cold: first render in process",
            f"{full['cold_s'] * 1000:.0f} ms",
            f"{cut['cold_s'] * 1000:.0f} ms",
            "—",
        ),
        (
            "  of which fonts/CSS/state",
            f"{full['state_s'] * 1000:.0f} ms",
            f"{cut['state_s'] * 1000:.0f} ms",
            "—",
        ),
        (
            f"warm render, median of {args.warm}",
            f"{full['warm_median_ms']:.1f} ms",
            f"{cut['warm_median_ms']:.1f} ms",
            "< 100 ms",
        ),
        (
            f"warm render, p95 of {args.warm}",
            f"{full['warm_p95_ms']:.1f} ms",
            f"{cut['warm_p95_ms']:.1f} ms",
            "—",
        ),
        ("PDF size (one page)", f"{full['size_kb']:.0f} KB", f"{cut['size_kb']:.0f} KB", "—"),
        (f"RSS after render {' / '.join(sorted(full['rss_mb'], key=int))}", rss(full), rss(cut), "flat"),
    ]
    print(
        f"reports.pdf benchmark — {platform.node()}, {os.cpu_count()} CPU, load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    widths = [
        max(len(r[i]) for r in [("measure", "full Noto CJK", "GB2312 cut (default)", "target"), *rows])
        for i in range(4)
    ]
    header = ("measure", "full Noto CJK", "GB2312 cut (default)", "target")
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-+-".join("-" * w for w in widths))
    for row in rows:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    print()
    print(f"download through the view ({view['cache']}, database {view['database']}, GB2312 cut):")
    print(f"  first (drawn and cached)       {view['first_ms']:.1f} ms")
    print(
        f"  cached, median of {args.downloads:<3}         {view['cached_median_ms']:.1f} ms   target < 20 ms"
    )
    print(f"  cached, p95 of {args.downloads:<3}            {view['cached_p95_ms']:.1f} ms")
    a = archive
    print()
    print(
        f"work archive (工作档案), a level-2 case with {a['events']} events, GB2312 cut, {a['pages']} pages, {a['size_kb']:.0f} KB:"
    )
    print(f"  cold job (first PDF of the process)   {a['cold_s'] * 1000:.0f} ms")
    print(
        f"  warm job, median / p95 of {args.dossiers:<3}      {a['job_median_ms']:.0f} / {a['job_p95_ms']:.0f} ms   (claim, collect, draw, store, SHA-256)"
    )
    print(
        f"    collect the records               {a['collect_median_ms']:.1f} ms, {a['collect_queries']} queries"
    )
    print(f"    draw the PDF, median / p95        {a['render_median_ms']:.0f} / {a['render_p95_ms']:.0f} ms")
    print(
        f"  RSS after job {' / '.join(str(k) for k in a['rss_mb'])}: "
        + " / ".join(f"{v:.0f}" for v in a["rss_mb"].values())
        + f" MB (start {a['rss_start_mb']:.0f} MB), peak {a['hwm_mb']:.0f} MB"
    )
    print(f"  {a['export_cases'] - 1} more dossiers of small cases drawn in {a['other_dossiers_s']:.2f} s")
    print(
        f"  ZIP export of {a['export_cases']} archived incidents  {a['export_s'] * 1000:.0f} ms, {a['export_kb']:.0f} KB"
    )
    ok = cut["warm_median_ms"] < 100 and view["cached_median_ms"] < 20
    # Flat: no growth after the caches have filled (glibc may also hand memory back: a drop is fine).
    flat = all(r["rss_mb"][max(r["rss_mb"], key=int)] - r["rss_mb"]["50"] < 10 for r in results.values())
    print(
        f"\nwarm < 100 ms and cached < 20 ms: {'yes' if ok else 'NO'}; memory flat (no growth > 10 MB after render 50): {'yes' if flat else 'NO'}"
    )
    print(
        f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} (other work on this machine skews the times)"
    )


if __name__ == "__main__":
    main()
