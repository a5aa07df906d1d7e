#!/usr/bin/env bash
# Create the virtualenv and install the project with its test tools (idempotent, quiet when nothing changed).
set -euo pipefail
cd "$(dirname "$0")/.."
# System packages from Debian: CJK fonts for the 处置表 PDF (and, with --test, the browser and pdftoppm).
need_apt=()
fonts=$(fc-list 2>/dev/null || true)  # not piped into grep -q: with pipefail a SIGPIPE would read as "missing"
[[ "$fonts" == *"Noto Serif CJK"* ]] || need_apt+=(fonts-noto-cjk)
if [ "${1:-}" = "--test" ]; then
  [ -x /usr/bin/chromium ] || need_apt+=(chromium)
  command -v pdftoppm >/dev/null || need_apt+=(poppler-utils)
fi
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
