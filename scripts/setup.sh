#!/usr/bin/env bash
# Create the virtualenv and install the project with its test tools (idempotent, quiet when nothing changed).
set -euo pipefail
cd "$(dirname "$0")/.."
# System packages from Debian, each named: WeasyPrint loads GLib, Pango, HarfBuzz (with its subsetter, which
# cuts the fonts it embeds), fontconfig; reports/pdf/fonts.py asks fontconfig's fc-match (package fontconfig)
# which face is used (the GB2312 cut itself comes from the uharfbuzz wheel); the 处置表 needs the CJK fonts.
# With --test also the browser, pdftoppm and wrk (the load runs of scripts/bench_pages.py). A library or program that only arrives as another package's
# dependency is not relied on (tests/test_system_packages.py checks this list against what the code runs).
RUNTIME_PACKAGES=(libglib2.0-0 libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1
  fontconfig fonts-noto-cjk)
TEST_PACKAGES=(chromium poppler-utils wrk)
wanted=("${RUNTIME_PACKAGES[@]}")
if [ "${1:-}" = "--test" ]; then wanted+=("${TEST_PACKAGES[@]}"); fi
need_apt=()
for package in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [[ "$status" == *"install ok installed"* ]] || need_apt+=("$package")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "请先安装系统软件包：${need_apt[*]}（sudo apt-get install ${need_apt[*]}）" >&2
  fi
fi

# This checkout's own secret key (gitignored), so that manage.py runs here without exporting one.
if [ ! -f .env ]; then
  printf 'SECRET_KEY=%s\n' "$(head -c 48 /dev/urandom | base64 | tr -d '\n/+=')" > .env
  chmod 600 .env
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install --quiet --upgrade pip
  # The project is not a package; this installs its dependencies as pyproject.toml declares them.
  .venv/bin/pip install --quiet -e '.[dev]' 2>&1 | grep -v -i -E 'warning|^ *$|!!|\*\*\*|editable|careful|name as your|join\(|wheel_obj' || true
  rm -f .venv/.installed-* && touch "$stamp"
fi
