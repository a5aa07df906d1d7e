"""Backup and restore (README “备份与恢复”): scripts/backup.sh dumps this test database and MEDIA_ROOT,
scripts/restore.sh puts them into a fresh database, and what was archived comes back whole — every index, every
dossier intact by its SHA-256, the two-character search — while a changed byte is caught."""

import hashlib
import os
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from incidents.models import Evidence
from reports.models import Dossier, JobStatus
from tests.factories import archived, report, rich_case

# The SQLite backup (the online backup API) is simple enough to be tried by hand; this round trip is production's.
pytestmark = pytest.mark.postgresql_only(
    reason="the round trip is pg_dump → pg_restore of a PostgreSQL database"
)

REPO = Path(__file__).resolve().parents[1]


def app_env(*, database: str, media: Path | str) -> dict[str, str]:
    """The environment of a production server whose DATABASE_URL names `database` on the test's server."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    url = f"postgres://{quote(db['USER'], safe='')}{password}@{db['HOST']}:{db['PORT'] or 5432}/{database}"
    return {
        **os.environ,
        # The real settings (not the test override, which would pin MEDIA_ROOT), read from the environment only.
        "DJANGO_SETTINGS_MODULE": "opinion_system.settings",
        "ENV_FILE": "",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "test-only-not-secret"),
        "DATABASE_URL": url,
        "MEDIA_ROOT": str(media),
        "REDIS_URL": "",
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, env=env, cwd=REPO, capture_output=True, text=True, timeout=300)  # noqa: S603


def psql(env: dict[str, str], sql: str) -> list[str]:
    """Rows of `sql` in the database the environment names (a connection of its own, not the test's)."""
    done = run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", env["DATABASE_URL"], "-c", sql], env)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


INDEXES = "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1"


@pytest.fixture
def restored_name():
    """A database name of this run's own, dropped at the end whatever happened."""
    name = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:8]}"
    yield name
    env = app_env(database="postgres", media="/nonexistent")
    psql(env, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def round_trip(tmp_path: Path, restored_name: str):
    """Back up the test database and MEDIA_ROOT, restore both into `restored_name` and an empty media dir."""
    source = app_env(database=connection.settings_dict["NAME"], media=settings.MEDIA_ROOT)
    started = time.monotonic()
    backup = run([str(REPO / "scripts/backup.sh"), str(tmp_path / "backups")], source)
    assert backup.returncode == 0, backup.stdout + backup.stderr
    (directory,) = (tmp_path / "backups").glob("opinion-system-*")
    target = app_env(database=restored_name, media=tmp_path / "restored-media")
    restore = run([str(REPO / "scripts/restore.sh"), str(directory)], target)
    seconds = time.monotonic() - started
    assert restore.returncode == 0, restore.stdout + restore.stderr
    dump = (directory / "database.dump").stat().st_size
    print(f"\nround trip: dump {dump} bytes, backup + restore + verify {seconds:.1f} s")  # shown with -s
    return directory, target, restore


@pytest.mark.django_db(transaction=True)
def test_a_restored_backup_has_every_index_and_every_dossier_intact(org, tmp_path, restored_name):
    rich = rich_case(org, progress_reports=2)  # evidence, statements, a form, archived: a dossier with a file
    plain = archived(org)
    assert Dossier.objects.filter(status=JobStatus.DONE).exclude(file="").count() == 2
    directory, target, restore = round_trip(tmp_path, restored_name)

    # pg_restore ran with --exit-on-error and returned 0 (the script stops otherwise), and the manifest says what.
    assert "数据库已恢复" in restore.stdout and "pg_restore 失败" not in restore.stderr
    manifest = (directory / "manifest.txt").read_text()
    assert "database_vendor: postgresql" in manifest and "incidents 0007_bigrams_schema_qualified" in manifest
    # Every index of the source, the bigram search indexes included, is in the restored database.
    with connection.cursor() as cursor:
        cursor.execute(INDEXES)
        source_indexes = {row[0] for row in cursor.fetchall()}
    restored_indexes = set(psql(target, INDEXES))
    print(f"indexes: source {len(source_indexes)}, restored {len(restored_indexes)}")
    assert {"incident_search_bigrams", "source_url_bigrams"} <= source_indexes
    assert source_indexes - restored_indexes == set()
    # verify_dossiers (run by restore.sh) found both dossiers intact, and the evidence came back byte for byte.
    assert f"完好  {rich.number}" in restore.stdout and f"完好  {plain.number}" in restore.stdout
    assert "共核验工作档案 2 份：完好 2 份，不完好 0 份。" in restore.stdout
    evidence = Evidence.objects.get(incident=rich)
    restored_file = tmp_path / "restored-media" / evidence.file.name
    assert hashlib.sha256(restored_file.read_bytes()).hexdigest() == evidence.sha256

    # One changed byte in a restored dossier is caught: verify_dossiers names it and exits non-zero.
    pdf = tmp_path / "restored-media" / Dossier.objects.get(incident=plain).file.name
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 0xFF
    pdf.write_bytes(bytes(data))
    check = run([str(REPO / ".venv/bin/python"), "manage.py", "verify_dossiers"], target)
    assert check.returncode != 0
    assert f"不完好  {plain.number}  档案文件的 SHA-256 与登记值不一致" in check.stdout
    assert f"完好  {rich.number}" in check.stdout and "完好 1 份，不完好 1 份" in check.stderr

    # A second restore into the now non-empty database is refused, and changes nothing.
    again = run(
        [str(REPO / "scripts/restore.sh"), str(directory)], {**target, "MEDIA_ROOT": str(tmp_path / "m2")}
    )
    assert again.returncode != 0 and "不是空库" in again.stderr
    assert set(psql(target, INDEXES)) == restored_indexes


SEARCH = """
from django.db import connection
from incidents.filters import IncidentFilter
from incidents.models import Incident
for term in ("食堂", "热水"):
    found = IncidentFilter({"q": term}, queryset=Incident.objects.all()).qs
    print("FOUND", term, ",".join(sorted(found.values_list("number", flat=True))))
with connection.cursor() as cursor:
    # A few rows: ask whether the index can be used at all (the search may also walk the list's index newest
    # first, which on two rows is the cheapest way; that is not what is asked here).
    cursor.execute("SET enable_seqscan = off")
    cursor.execute("SET enable_indexscan = off")
print("PLAN", " ".join(IncidentFilter({"q": "食堂"}, queryset=Incident.objects.all()).qs.explain().split()))
"""


@pytest.mark.django_db(transaction=True)
def test_the_two_character_search_works_in_the_restored_database(org, tmp_path, restored_name):
    canteen = report(org)  # 食堂饭菜涨价引发学生吐槽
    water = report(org, title="宿舍楼热水停供引发投诉", summary="多名学生称热水连续三天停供。")
    _, target, _ = round_trip(tmp_path, restored_name)
    # The list's own search (incidents.filters.IncidentFilter), run by the app against the restored database.
    done = run([str(REPO / ".venv/bin/python"), "manage.py", "shell", "-v", "0", "-c", SEARCH], target)
    assert done.returncode == 0, done.stderr
    assert f"FOUND 食堂 {canteen.number}\n" in done.stdout and f"FOUND 热水 {water.number}\n" in done.stdout
    plan = next(line for line in done.stdout.splitlines() if line.startswith("PLAN "))
    assert "Bitmap Index Scan on incident_search_bigrams" in plan
