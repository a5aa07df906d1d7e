#!/usr/bin/env bash
# Create the virtualenv and install the project with its test tools (idempotent, quiet when nothing changed).
set -euo pipefail
cd "$(dirname "$0")/.."
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
