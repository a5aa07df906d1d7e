"""The small test override: the real settings, a test key, PostgreSQL on this machine, fast hashing."""

import os
import uuid

os.environ.setdefault("SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/opinion_system")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
MEDIA_ROOT = os.environ.get("TEST_MEDIA_ROOT", "/tmp/opinion-system-test-media")  # noqa: S108
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
os.makedirs(STATIC_ROOT, exist_ok=True)  # noqa: F405 - WhiteNoise warns on every request otherwise
CELERY_TASK_ALWAYS_EAGER = True  # tests that need a real worker start one and switch this off
# Separate test databases let two test runs (or a benchmark) share this machine's PostgreSQL. On SQLite (the
# embedded default, also a tested configuration) the test database is a file of its own under /tmp, so that the
# live server of the browser tests and a subprocess can open it.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    _sqlite_name = os.environ.get("TEST_DB_NAME", "test_opinion_system")
    DATABASES["default"]["TEST"] = {"NAME": f"/tmp/{_sqlite_name}.sqlite3"}  # noqa: F405, S108
else:
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DB_NAME", "test_opinion_system")}  # noqa: F405
# ... and their own keys in the shared Redis cache (db 15): one run's tokens, cached counts, PDFs or page
# fragments must not answer another run's test, nor an earlier run's of other code. The run's mark is in the
# environment, so the processes a test starts share it.
_run = os.environ.setdefault("TEST_CACHE_RUN", uuid.uuid4().hex[:8])
CACHES["default"]["KEY_PREFIX"] = f"{DATABASES['default']['TEST']['NAME']}:{_run}"  # noqa: F405
