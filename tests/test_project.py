"""The project as a whole: settings from the environment, admin wired to the services, signed-in pages."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Incident, Status
from tests.factories import filed, report, reviewed

ROOT = Path(__file__).resolve().parent.parent


def run_check(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE")}
    env["ENV_FILE"] = ""  # not this checkout's .env: the process sees only what a server would set
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_without_secret_key_and_debug_off_the_app_refuses_to_start():
    result = run_check({"DEBUG": "0"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "未设置" in result.stderr


def test_with_a_secret_key_it_starts():
    result = run_check({"DEBUG": "0", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "example.edu.cn"})
    assert result.returncode == 0, result.stderr


def test_time_and_language_settings():
    assert settings.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ and settings.LANGUAGE_CODE == "zh-hans"


def test_tests_run_on_the_database_asked_for():
    # scripts/test.sh runs the suite on PostgreSQL and, with DATABASE_URL=sqlite:…, on SQLite: both are real.
    asked = os.environ.get("DATABASE_URL", "postgres://")
    engine = settings.DATABASES["default"]["ENGINE"]
    expected = "sqlite3" if asked.startswith("sqlite:") else "postgresql"
    assert engine == f"django.db.backends.{expected}"


def test_home_page_needs_login_and_shows_only_visible_incidents(client, org):
    report(org, title="学生处可见的舆情")
    client.force_login(org.p.clerk)
    page = client.get(reverse("incidents:home")).content.decode()
    assert "学生处可见的舆情" in page
    client.force_login(org.p.outsider)
    page = client.get(reverse("incidents:home")).content.decode()
    assert "学生处可见的舆情" not in page


def test_text_is_shown_escaped(client, org):
    incident = report(org, title="<img src=x onerror=alert(1)>")
    client.force_login(org.p.clerk)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "<img src=x onerror=alert(1)>" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_login_page_is_chinese(client, db):
    assert "登录" in client.get(reverse("login")).content.decode()


def test_home_runs_a_constant_number_of_queries(client, org, django_assert_max_num_queries):
    client.force_login(org.p.clerk)
    for i in range(3):
        report(org, title=f"舆情{i}")
    # 13: the first page of a day also reads the key monitoring periods for the banner (第八条), kept after that.
    with django_assert_max_num_queries(13) as few:
        client.get(reverse("incidents:home"))
    for i in range(20):
        report(org, title=f"更多舆情{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("incidents:home"))


@pytest.fixture
def office_admin(org):
    org.p.clerk.is_staff = True
    org.p.clerk.save()
    return org.p.clerk


def test_admin_lists_incidents_for_the_office_and_not_for_others(client, org, office_admin):
    incident = report(org)
    client.force_login(office_admin)
    response = client.get(reverse("admin:incidents_incident_changelist"))
    assert response.status_code == 200 and incident.number in response.content.decode()
    client.force_login(org.p.xsc_liaison)  # not staff
    assert client.get(reverse("admin:incidents_incident_changelist")).status_code == 302


def test_admin_archive_action_goes_through_the_workflow(client, org, office_admin):
    reported = report(org)
    done = reviewed(org, filed(org))
    client.force_login(office_admin)
    url = reverse("admin:incidents_incident_changelist")
    client.post(url, {"action": "archive", "_selected_action": [reported.pk, done.pk]})
    assert Incident.objects.get(pk=done.pk).status == Status.ARCHIVED
    assert Incident.objects.get(pk=reported.pk).status == Status.REPORTED  # refused by the workflow


def test_admin_cannot_edit_or_delete_incidents(client, org, office_admin):
    incident = report(org)
    client.force_login(office_admin)
    change = client.post(reverse("admin:incidents_incident_change", args=[incident.pk]), {"title": "改了"})
    assert Incident.objects.get(pk=incident.pk).title != "改了"
    assert change.status_code in (200, 403)
    assert client.get(reverse("admin:incidents_incident_delete", args=[incident.pk])).status_code in (
        403,
        302,
    )


def test_signing_in_through_the_form_lands_on_the_home_page(client, org):
    response = client.post(reverse("login"), {"username": "office_clerk", "password": "pw"}, follow=True)
    assert response.status_code == 200 and "工作台" in response.content.decode()


def test_a_signed_in_page_reads_its_session_from_redis_not_the_database(client, org):
    assert (
        settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    )  # REDIS_URL is set in tests
    client.post(reverse("login"), {"username": "office_clerk", "password": "pw"})
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("incidents:list")).status_code == 200
    assert not [q for q in queries.captured_queries if "django_session" in q["sql"]]


def test_a_session_logged_out_cannot_be_replayed(client, org):
    """The cookie of a logged-out session opens nothing, though the session was cached (and another
    process would read the same Redis)."""
    client.post(reverse("login"), {"username": "office_clerk", "password": "pw"})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert client.get(reverse("incidents:list")).status_code == 200
    client.post(reverse("logout"))
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = cookie
    response = replay.get(reverse("incidents:list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_without_redis_sessions_stay_in_the_database():
    """A per-process cache would keep a logged-out session alive in the other workers."""
    code = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    env.update(
        ENV_FILE="", SECRET_KEY="x" * 50, REDIS_URL="", DJANGO_SETTINGS_MODULE="opinion_system.settings"
    )
    shown = subprocess.run([sys.executable, "-c", f"import django; django.setup(); {code}"], cwd=ROOT, env=env,  # noqa: S603
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert shown.stdout.strip() == "django.contrib.sessions.backends.db", shown.stderr


def test_gunicorn_starts_with_the_project_config_and_warms_the_pdf_engine(tmp_path):
    """The Procfile's web process: workers boot, the PDF warm-up runs after the app is loaded, pages answer."""
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update({"ENV_FILE": "", "SECRET_KEY": "x" * 50, "DEBUG": "1", "ALLOWED_HOSTS": "127.0.0.1"})
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603 - our own executable and arguments
            [str(Path(sys.executable).parent / "gunicorn"), "opinion_system.wsgi", "--config", "gunicorn.conf.py",
             "--workers", "1", "--bind", f"127.0.0.1:{port}"],
            cwd=ROOT, env=env, stdout=out, stderr=out,
        )  # fmt: skip
        try:
            status = None
            for _ in range(100):
                try:
                    status = urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/accounts/login/", timeout=2
                    ).status
                    break
                except OSError:
                    time.sleep(0.2)
            assert status == 200, log.read_text()
        finally:
            server.terminate()
            server.wait(timeout=20)
    text = log.read_text()
    assert "Traceback" not in text and "预热失败" not in text, text
