#!/usr/bin/env bash
# The whole test suite, on both databases the product runs on: the local PostgreSQL (production) and SQLite
# (the embedded default of the demo). Arguments go to pytest; TEST_DATABASES="postgresql" (or "sqlite") runs one.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
PG_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/opinion_system}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/15}
# The test database is created by pytest-django; the main one only keeps makemigrations --check quiet.
psql "${PG_URL%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='${PG_URL##*/}'" 2>/dev/null | grep -q 1 \
  || psql "${PG_URL%/*}/postgres" -qc "CREATE DATABASE \"${PG_URL##*/}\"" 2>/dev/null || true
.venv/bin/ruff check .
.venv/bin/lint-imports --no-cache >/dev/null || .venv/bin/lint-imports --no-cache  # the layers of .importlinter
DATABASE_URL=$PG_URL DJANGO_SETTINGS_MODULE=opinion_system.settings_test .venv/bin/python manage.py makemigrations --check --dry-run -v0

status=0
summary=()
for db in ${TEST_DATABASES:-postgresql sqlite}; do
  case "$db" in
    postgresql) url=$PG_URL ;;
    # The test database itself is a file under /tmp (opinion_system/settings_test.py); this one is never opened.
    sqlite) url="sqlite:///$PWD/var/unused-test.sqlite3" ;;
    *) echo "unknown database in TEST_DATABASES: $db" >&2; exit 2 ;;
  esac
  echo "=== tests on $db ==="
  started=$(date +%s)
  set +e
  DATABASE_URL=$url .venv/bin/python -m pytest "$@"
  code=$?
  set -e
  summary+=("$db: exit $code in $(( $(date +%s) - started )) s")
  # 5 is "no test collected": kept, so that CI can tell it from a failure.
  if [ "$code" -ne 0 ] && { [ "$status" -eq 0 ] || [ "$status" -eq 5 ]; }; then status=$code; fi
done
printf '%s\n' "${summary[@]}"
exit "$status"
