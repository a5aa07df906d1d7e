#!/usr/bin/env bash
# Restore a backup of scripts/backup.sh into an EMPTY database and an empty MEDIA_ROOT, then verify it.
set -euo pipefail

usage() {
  cat <<'EOF'
用法：scripts/restore.sh <备份目录>
  把 scripts/backup.sh 做的备份恢复到 DATABASE_URL 指向的数据库（必须是空库；不存在时自动创建）和
  MEDIA_ROOT（必须为空或不存在），然后核验：各部分的 SHA-256、索引是否全部恢复、迁移状态是否与当前代码一致，
  最后运行 manage.py verify_dossiers 逐份核验工作档案。任何一步失败即停止并返回非零退出码。
  数据库和 MEDIA_ROOT 的读取方式与应用相同：环境变量 DATABASE_URL、MEDIA_ROOT（或本目录的 .env）。

Usage: scripts/restore.sh BACKUP_DIR
  Restores a backup made by scripts/backup.sh into the database of DATABASE_URL (it must be empty; it is created
  when missing) and MEDIA_ROOT (empty or missing), then verifies: the SHA-256 of each part, every index restored,
  migrations in step with this code, and manage.py verify_dossiers on every dossier. Stops with a non-zero exit
  code at the first failure. DATABASE_URL and MEDIA_ROOT are read as the app reads them.
EOF
}

case "${1:-}" in -h | --help) usage; exit 0 ;; esac
[ $# -eq 1 ] || { usage >&2; exit 2; }

fail() { echo "恢复中止 / restore stopped: $*" >&2; exit 1; }

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BACKUP=$(realpath -m "$1")
cd "$ROOT"
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
[ -f "$BACKUP/manifest.txt" ] && [ -f "$BACKUP/SHA256SUMS" ] \
  || fail "$BACKUP 不是 scripts/backup.sh 生成的备份目录（缺少 manifest.txt 或 SHA256SUMS） / not a backup directory"

# 1. The backup is what was written: every part against its SHA-256.
(cd "$BACKUP" && sha256sum --check --quiet --strict SHA256SUMS) \
  || fail "备份文件的 SHA-256 与清单不符，备份已损坏 / a part of the backup does not match its SHA-256"
echo "备份文件 SHA-256 核对一致 / backup parts match their SHA-256"
BACKUP_VENDOR=$(sed -n 's/^database_vendor: //p' "$BACKUP/manifest.txt")

# The database and MEDIA_ROOT exactly as the app sees them: its settings module reads the environment and .env.
eval "$(PYTHONPATH="$ROOT" "$PYTHON" "$ROOT/scripts/app_settings.py")"
[ "$DB_VENDOR" = "$BACKUP_VENDOR" ] \
  || fail "备份来自 $BACKUP_VENDOR，而 DATABASE_URL 指向 $DB_VENDOR / the backup is of $BACKUP_VENDOR, DATABASE_URL is $DB_VENDOR"

# 2. Only into an empty database and an empty MEDIA_ROOT: a restore never mixes with, or overwrites, live data.
if [ -d "$MEDIA_DIR" ] && [ -n "$(ls -A "$MEDIA_DIR")" ]; then
  fail "MEDIA_ROOT（$MEDIA_DIR）不是空目录。请指定一个新的空目录，或先把现有文件移走。/ MEDIA_ROOT is not empty."
fi

case "$DB_VENDOR" in
  postgresql)
    # psql interpolates :'name' only in what it reads from stdin, so the name is always quoted by psql.
    psql_in() { psql -X -q -At -v ON_ERROR_STOP=1 -v name="$DB_NAME" -d "$1"; }
    exists=$(echo "SELECT 1 FROM pg_database WHERE datname = :'name'" | psql_in postgres)
    if [ -z "$exists" ]; then
      echo 'CREATE DATABASE :"name"' | psql_in postgres \
        || fail "无法创建数据库 $DB_NAME，请由数据库管理员创建一个空库 / cannot create the database"
      echo "已创建空数据库 / created the empty database: $DB_NAME"
    fi
    export PGDATABASE="$DB_NAME"
    objects=$(psql -X -q -At -v ON_ERROR_STOP=1 -c "
      SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%')
           + (SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_%')")
    [ "$objects" = 0 ] || fail "数据库 $DB_NAME 不是空库（已有 $objects 个表、索引、序列或函数）。恢复只写入空库：\
请新建一个空库并让 DATABASE_URL 指向它，或确认无用后删除重建。/ the database is not empty ($objects objects)."

    # 3. The dump. --single-transaction: a failed restore leaves the database empty, ready to try again.
    # --no-owner/--no-privileges: the objects belong to the user restoring, whatever the roles of the old server.
    started=$(date +%s)
    pg_restore --no-owner --no-privileges --exit-on-error --single-transaction -d "$DB_NAME" "$BACKUP/database.dump" \
      || fail "pg_restore 失败（数据库保持为空）/ pg_restore failed (the database is left empty)"
    echo "数据库已恢复 / database restored: $DB_NAME（用时 took $(($(date +%s) - started)) s）"
    restored_indexes=$(psql -X -q -At -v ON_ERROR_STOP=1 \
      -c "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1")
    ;;
  sqlite)
    if [ -s "$DB_NAME" ]; then
      fail "SQLite 数据库文件 $DB_NAME 已存在且不为空。恢复只写入空库：请先移走该文件。/ the SQLite file exists and is not empty."
    fi
    mkdir -p "$(dirname "$DB_NAME")"
    restored_indexes=$("$PYTHON" - "$BACKUP/database.sqlite3" "$DB_NAME" <<'PY'
import sqlite3
import sys

src = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
dst = sqlite3.connect(sys.argv[2])
src.backup(dst)
for (name,) in dst.execute("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY 1"):
    print(name)
PY
)
    echo "数据库已恢复 / database restored: $DB_NAME"
    ;;
  *)
    fail "不支持的数据库 / unsupported database engine: $DB_VENDOR"
    ;;
esac

# 4. The media: evidence and dossiers.
mkdir -p "$MEDIA_DIR"
tar -C "$MEDIA_DIR" -xzf "$BACKUP/media.tar.gz"
echo "媒体文件已恢复 / media restored: $MEDIA_DIR（$(find "$MEDIA_DIR" -type f | wc -l) 个文件 files）"

# 5. Every index of the source is here (the bigram search index is the one a careless dump loses).
missing=$(comm -23 <(sort "$BACKUP/indexes.txt") <(printf '%s\n' "$restored_indexes" | sort))
[ -z "$missing" ] || fail "以下索引没有恢复 / indexes missing: $(echo "$missing" | tr '\n' ' ')"
echo "索引 indexes: $(grep -c . "$BACKUP/indexes.txt") 个，全部恢复 / all restored"

# 6. The code in this checkout knows every migration the data has, and the data has every migration of the code.
if ! plan=$("$PYTHON" manage.py migrate --check --plan 2>&1); then
  echo "$plan" >&2
  fail "数据已恢复，但当前代码有备份中未应用的迁移：请运行 .venv/bin/python manage.py migrate，\
再运行 .venv/bin/python manage.py verify_dossiers 核验工作档案。/ data restored, but this code has migrations the backup \
lacks: run manage.py migrate, then manage.py verify_dossiers."
fi

# 7. Every dossier: its file against the recorded SHA-256 and the restored case records against what it printed.
"$PYTHON" manage.py verify_dossiers
echo "恢复完成并核验通过 / restore done and verified"
