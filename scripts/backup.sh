#!/usr/bin/env bash
# Back up the database and MEDIA_ROOT (evidence, dossiers) into one timestamped directory with a manifest.
set -euo pipefail
umask 077  # a backup holds personal data, evidence and password hashes: readable by its owner only

usage() {
  cat <<'EOF'
用法：scripts/backup.sh [备份目录]
  备份数据库（PostgreSQL 用 pg_dump -Fc；SQLite 用在线备份）和 MEDIA_ROOT（证据材料、工作档案）到
  <备份目录>/opinion-system-<日期-时间>/（默认 var/backups），并写入 manifest.txt：各部分的 SHA-256、
  数据库的迁移状态与索引清单；SHA256SUMS 可用 sha256sum -c 核对。
  数据库和 MEDIA_ROOT 的读取方式与应用相同：环境变量 DATABASE_URL、MEDIA_ROOT（或本目录的 .env）。
  恢复：scripts/restore.sh <备份目录>/opinion-system-<日期-时间>

Usage: scripts/backup.sh [DEST_DIR]
  Backs up the database (PostgreSQL: pg_dump -Fc; SQLite: the online backup API) and MEDIA_ROOT (evidence,
  dossiers) into DEST_DIR/opinion-system-<date-time>/ (default var/backups), with manifest.txt: the SHA-256 of
  each part, the database's migration state and its indexes; SHA256SUMS is checked by sha256sum -c.
  DATABASE_URL and MEDIA_ROOT are read as the app reads them (environment, or this checkout's .env).
  Restore with: scripts/restore.sh DEST_DIR/opinion-system-<date-time>
EOF
}

case "${1:-}" in -h | --help) usage; exit 0 ;; esac
[ $# -le 1 ] || { usage >&2; exit 2; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST=$(realpath -m "${1:-$ROOT/var/backups}")
cd "$ROOT"
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}

# The database and MEDIA_ROOT exactly as the app sees them: its settings module reads the environment and .env.
eval "$(PYTHONPATH="$ROOT" "$PYTHON" "$ROOT/scripts/app_settings.py")"

STAMP=$(TZ=Asia/Shanghai date +%Y%m%d-%H%M%S)
TARGET="$DEST/opinion-system-$STAMP"
WORK="$TARGET.partial"  # renamed at the end: a directory without ".partial" is a finished backup
[ ! -e "$TARGET" ] && [ ! -e "$WORK" ] || { echo "备份目录已存在 / already exists: $TARGET" >&2; exit 1; }
mkdir -p "$WORK"
trap 'rm -rf "$WORK"' EXIT
started=$(date +%s)

case "$DB_VENDOR" in
  postgresql)
    export PGDATABASE="$DB_NAME"
    sql() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
    DB_FILE=database.dump
    # One consistent snapshot of the whole database, in the custom format pg_restore reads.
    pg_dump -Fc --file "$WORK/$DB_FILE"
    sql "SELECT app || ' ' || name FROM django_migrations ORDER BY id" >"$WORK/migrations.txt"
    sql "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1" >"$WORK/indexes.txt"
    server=$(sql "SHOW server_version")
    tool=$(pg_dump --version)
    ;;
  sqlite)
    DB_FILE=database.sqlite3
    # sqlite3's online backup: a consistent copy even while the demo's server and scheduler write to it.
    "$PYTHON" - "$DB_NAME" "$WORK" <<'PY'
import sqlite3
import sys

source, work = sys.argv[1], sys.argv[2]
src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
dst = sqlite3.connect(f"{work}/database.sqlite3")
src.backup(dst)
with open(f"{work}/migrations.txt", "w") as out:
    out.writelines(f"{app} {name}\n" for app, name in dst.execute("SELECT app, name FROM django_migrations ORDER BY id"))
with open(f"{work}/indexes.txt", "w") as out:
    rows = dst.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY 1")
    out.writelines(f"{name}\n" for (name,) in rows)
dst.close()
src.close()
PY
    server="SQLite $("$PYTHON" -c 'import sqlite3; print(sqlite3.sqlite_version)')"
    tool="python sqlite3 backup API"
    ;;
  *)
    echo "不支持的数据库 / unsupported database engine: $DB_VENDOR" >&2
    exit 1
    ;;
esac

# Media after the database: every file a row of the snapshot names was written before it, so it is in the tar.
# (A file written meanwhile is in the tar too, unnamed by any row: harmless.)
if [ -d "$MEDIA_DIR" ]; then
  tar -C "$MEDIA_DIR" -czf "$WORK/media.tar.gz" .
  media_files=$(find "$MEDIA_DIR" -type f | wc -l)
else
  echo "提示：MEDIA_ROOT 不存在，媒体部分为空 / note: MEDIA_ROOT does not exist, the media part is empty: $MEDIA_DIR" >&2
  tar -czf "$WORK/media.tar.gz" -T /dev/null
  media_files=0
fi

(cd "$WORK" && sha256sum "$DB_FILE" media.tar.gz migrations.txt indexes.txt >SHA256SUMS)
{
  echo "# 舆情处置系统备份清单 / opinion system backup manifest"
  echo "created_at: $(TZ=Asia/Shanghai date --iso-8601=seconds)"
  echo "host: $(hostname)"
  echo "code_commit: $(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
  echo "database_vendor: $DB_VENDOR"
  echo "database_name: $DB_NAME"
  echo "database_server: $server"
  echo "dump_tool: $tool"
  echo "database_file: $DB_FILE ($(stat -c %s "$WORK/$DB_FILE") bytes)"
  echo "media_root: $MEDIA_DIR"
  echo "media_file: media.tar.gz ($(stat -c %s "$WORK/media.tar.gz") bytes, $media_files files)"
  echo "migrations_applied: $(wc -l <"$WORK/migrations.txt") (last: $(tail -n 1 "$WORK/migrations.txt"))"
  echo "indexes: $(wc -l <"$WORK/indexes.txt")"
  echo
  echo "[sha256]"
  cat "$WORK/SHA256SUMS"
  echo
  echo "[migrations]"
  cat "$WORK/migrations.txt"
} >"$WORK/manifest.txt"

mv "$WORK" "$TARGET"
trap - EXIT
echo "备份完成 / backup done: $TARGET"
echo "  数据库 database: $DB_FILE $(du -h "$TARGET/$DB_FILE" | cut -f1)，媒体 media: $media_files 个文件 files $(du -h "$TARGET/media.tar.gz" | cut -f1)，用时 took $(($(date +%s) - started)) s"
