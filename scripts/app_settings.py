"""The database and MEDIA_ROOT as the app sees them, as shell assignments (for backup.sh and restore.sh);
for PostgreSQL also libpq's PG* variables.

The settings module reads the environment and .env exactly as the app does.
"""

import os
import shlex

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opinion_system.settings")
from django.conf import settings

db = settings.DATABASES["default"]
values = {
    "DB_VENDOR": "postgresql"
    if "postgresql" in db["ENGINE"]
    else "sqlite"
    if "sqlite3" in db["ENGINE"]
    else db["ENGINE"],
    "DB_NAME": db["NAME"],
    "DB_HOST": db.get("HOST") or "",
    "DB_PORT": db.get("PORT") or "",
    "DB_USER": db.get("USER") or "",
    "DB_PASSWORD": db.get("PASSWORD") or "",
    "DB_SSLMODE": (db.get("OPTIONS") or {}).get("sslmode", ""),
    "MEDIA_DIR": os.path.abspath(settings.MEDIA_ROOT),
}
for key, value in values.items():
    print(f"{key}={shlex.quote(str(value))}")
# libpq's own variables, so that psql, pg_dump and pg_restore reach the same server as the app.
if values["DB_VENDOR"] == "postgresql":
    libpq = {"PGHOST": "DB_HOST", "PGPORT": "DB_PORT", "PGUSER": "DB_USER", "PGPASSWORD": "DB_PASSWORD",
             "PGSSLMODE": "DB_SSLMODE"}  # fmt: skip
    for name, key in libpq.items():
        if values[key]:
            print(f"export {name}={shlex.quote(str(values[key]))}")
