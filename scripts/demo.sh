#!/usr/bin/env bash
# One command: set up, migrate the SQLite database, load demo data and run the app on http://127.0.0.1:8000/
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p var
export DEBUG=1
# The secret key comes from this checkout's .env (made by setup.sh, never in the repository).
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py seed_demo
.venv/bin/python manage.py seed_demo_ledger
.venv/bin/python manage.py seed_demo_bulletins
.venv/bin/python manage.py seed_demo_meetings
.venv/bin/python manage.py seed_demo_monitoring
.venv/bin/python manage.py seed_demo_leads
PORT=${PORT:-8000}
# The deadline clock. With Redis (REDIS_URL set) Celery beat and a worker run it; without, the in-process
# scheduler runs the same sweep every minute, so overdue work reaches the bell within a minute.
if [ -n "${REDIS_URL:-}" ]; then
  .venv/bin/celery -A opinion_system worker --beat -l warning --concurrency 2 &
else
  .venv/bin/python manage.py run_scheduler &
fi
clock_pid=$!
trap 'kill $clock_pid 2>/dev/null' EXIT INT TERM
echo
echo "舆情处置系统已启动： http://127.0.0.1:${PORT}/   （管理后台： http://127.0.0.1:${PORT}/admin/）"
echo "演示账号密码均为 demo12345，例如 office1（党群工作部）、xsc_liaison（学生处联络员）、dzb_approver（党政办）。"
.venv/bin/python manage.py runserver "127.0.0.1:${PORT}"
