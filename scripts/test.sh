#!/usr/bin/env bash
# The whole test suite against the PostgreSQL (and Redis) on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/opinion_system}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/15}
# The test database is created by pytest-django; the main one only keeps makemigrations --check quiet.
psql "${DATABASE_URL%/*}/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='${DATABASE_URL##*/}'" 2>/dev/null | grep -q 1 \
  || psql "${DATABASE_URL%/*}/postgres" -qc "CREATE DATABASE \"${DATABASE_URL##*/}\"" 2>/dev/null || true
.venv/bin/ruff check .
DJANGO_SETTINGS_MODULE=opinion_system.settings_test .venv/bin/python manage.py makemigrations --check --dry-run -v0
exec .venv/bin/python -m pytest "$@"
