"""Sessions end after SESSION_IDLE_MINUTES without activity and SESSION_MAX_HOURS after sign-in; a page that
polls by itself keeps nobody signed in; the check costs an ordinary page no query."""

import datetime as dt
import re
from pathlib import Path

import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.middleware import IDLE_MESSAGE, PASSIVE_VIEWS
from tests.factories import assessed

LIST = reverse("incidents:list")


def at(start: dt.datetime, **delta):
    return time_machine.travel(start + dt.timedelta(**delta), tick=False)


def signed_in(client, user, start):
    with at(start):
        client.force_login(user)
    return client


def assert_signed_out(response, back: str):
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={back}"


def test_the_settings_and_their_defaults():
    assert settings.SESSION_IDLE_MINUTES == 30 and settings.SESSION_MAX_HOURS == 12
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
    assert not settings.SESSION_SAVE_EVERY_REQUEST  # it would slide the cookie on every page


def test_thirty_minutes_without_activity_signs_out_with_a_message_and_the_way_back(client, org):
    start = timezone.now()
    signed_in(client, org.p.xsc_liaison, start)
    with at(start, minutes=29):
        assert client.get(LIST).status_code == 200
    with at(start, minutes=58):  # 29 minutes after the last page
        assert client.get(LIST).status_code == 200
    with at(start, minutes=88):  # 30 minutes after
        gone = client.get(LIST, {"level": "2"})
        assert_signed_out(gone, back="%2Fincidents%2F%3Flevel%3D2")
        login = client.get(gone["Location"])
        assert IDLE_MESSAGE in login.content.decode()
        assert not login.context["user"].is_authenticated
        # signing in again goes back to the page
        back = client.post(gone["Location"], {"username": "xsc_liaison", "password": "pw"})
        assert back["Location"] == "/incidents/?level=2"


def test_the_idle_time_is_a_setting(client, org, settings):
    settings.SESSION_IDLE_MINUTES = 5
    start = timezone.now()
    signed_in(client, org.p.xsc_liaison, start)
    with at(start, minutes=5):
        assert_signed_out(client.get(LIST), back="%2Fincidents%2F")


def test_twelve_hours_after_sign_in_the_session_ends_however_busy(client, org):
    start = timezone.now()
    signed_in(client, org.p.xsc_liaison, start)
    for minutes in range(20, 12 * 60, 20):
        with at(start, minutes=minutes):
            assert client.get(LIST).status_code == 200, minutes
    with at(start, hours=12):
        gone = client.get(LIST)
        assert_signed_out(gone, back="%2Fincidents%2F")
        assert "登录已超过 12 小时，已自动退出，请重新登录" in client.get(gone["Location"]).content.decode()


def test_a_polling_card_does_not_keep_the_session_alive(client, org):
    incident = assessed(org, level=2)
    page = "http://testserver" + reverse("incidents:detail", args=[incident.pk])
    card = reverse("reports:dossier_card", args=[incident.pk])
    poll = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TRIGGER": "dossier-card", "HTTP_HX_CURRENT_URL": page}
    start = timezone.now()
    signed_in(client, org.p.xsc_liaison, start)
    for seconds in range(60, 30 * 60, 60):  # a page left open, polling
        with at(start, seconds=seconds):
            assert "HX-Redirect" not in client.get(card, **poll)
    with at(start, minutes=30):
        # the poll after the timeout sends the whole page to the login, with the page to come back to
        gone = client.get(card, **poll)
        assert gone.status_code == 200
        assert gone["HX-Redirect"] == f"{reverse('login')}?next=%2Fincidents%2F{incident.pk}%2F"
        assert not client.get(LIST).wsgi_request.user.is_authenticated


def test_a_search_typed_into_the_list_is_activity(client, org):
    start = timezone.now()
    signed_in(client, org.p.xsc_liaison, start)
    with at(start, minutes=20):
        assert client.get(LIST, {"q": "食堂"}, HTTP_HX_REQUEST="true").status_code == 200
    with at(start, minutes=45):
        assert client.get(LIST).status_code == 200


def test_every_polling_element_is_a_passive_view():
    """A template that polls (hx-trigger="every …") names its URL among PASSIVE_VIEWS."""
    polled = set()
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for tag in re.findall(r"<[^>]*hx-trigger=\"every [^>]*>", template.read_text()):
            polled |= set(re.findall(r"\{% url '([\w:]+)'", tag))
    assert polled and polled <= PASSIVE_VIEWS


def session_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")]


def test_the_check_adds_no_query_to_a_page_and_writes_the_session_at_most_once_a_minute(
    client, org, settings
):
    for _ in range(3):
        assessed(org, level=2)
    start = timezone.now()
    signed_in(client, org.p.clerk, start)
    with at(start, seconds=10), CaptureQueriesContext(connection) as checked:
        assert client.get(LIST).status_code == 200
    with at(start, seconds=50), CaptureQueriesContext(connection) as again:
        client.get(LIST)
    assert session_writes(checked.captured_queries) == session_writes(again.captured_queries) == []
    # the same page, the same session, without the check
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "accounts.middleware.AccountPolicyMiddleware"
    ]
    unchecked_client = Client()
    unchecked_client.cookies = client.cookies
    with at(start, seconds=55), CaptureQueriesContext(connection) as unchecked:
        assert unchecked_client.get(LIST).status_code == 200
    assert len(checked.captured_queries) == len(unchecked.captured_queries)
    with at(start, seconds=70), CaptureQueriesContext(connection) as a_minute_later:
        client.get(LIST)
    assert len(session_writes(a_minute_later.captured_queries)) == 1


def test_a_session_from_before_the_limits_is_given_a_start(client, org):
    client.force_login(org.p.xsc_liaison)
    session = client.session
    session.pop("accounts_signed_in_at")
    session.pop("accounts_last_seen_at")
    session.save()
    assert client.get(LIST).status_code == 200
    assert "accounts_signed_in_at" in client.session and "accounts_last_seen_at" in client.session
