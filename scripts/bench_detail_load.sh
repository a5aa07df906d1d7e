#!/bin/sh
# The detail page at the size of its case: in-process medians for cases of 30, 100 and 300 case-log lines, then
# gunicorn (two workers) under wrk at 64 connections for 20 s on the 300-line case, signed in by a session cookie.
# Needs a seeded PostgreSQL database whose name contains "bench" (scripts/bench_sweep.py seeds one) and Debian's
# `wrk`. Arguments go to scripts/bench_pages.py, e.g. --load-connections 8 --events 30,300.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/opinion_bench scripts/bench_detail_load.sh
set -eu
cd "$(dirname "$0")/.."
: "${DATABASE_URL:=postgres://postgres@127.0.0.1:5432/opinion_bench}"
export DATABASE_URL
command -v wrk >/dev/null || echo "bench_detail_load: wrk is not installed (apt-get install -y wrk); latencies will be missing" >&2
exec .venv/bin/python scripts/bench_pages.py --detail-only "$@"
