"""Raw SQL stays where it is vendor-gated, has an ORM fallback and is tested on both databases; the request
path goes through the ORM. This list is the register of every place that writes SQL itself."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("opinion_system", "accounts", "audit", "departments", "incidents", "notifications", "reports", "dashboard", "evaluation")
RAW = re.compile(r"\.cursor\(|\.raw\(|RawSQL\(|\.extra\(")

# path -> why it may write SQL itself (vendor gate and fallback named)
ALLOWED = {
    # The sweep's batched UPDATE … FROM (VALUES …): PostgreSQL only; other databases take bulk_update. Runs in
    # the scheduler, never in a request; tests/incidents/test_deadline_engine.py runs the sweep on both.
    "incidents/engine.py": "sweep: UPDATE … FROM (VALUES …) on PostgreSQL, bulk_update elsewhere",
}


def test_sql_written_by_hand_only_where_registered():
    found = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative:
                continue  # schema changes (the bigram functions) are vendor-gated there
            if RAW.search(path.read_text()):
                found.add(relative)
    assert found == set(ALLOWED), f"raw SQL outside the register: {found - set(ALLOWED)}"
