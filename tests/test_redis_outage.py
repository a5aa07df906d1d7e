"""Redis speeds things up; it is not a single point of failure.

With the cache (and the session cache) on a Redis nobody answers on, people sign in through the login form,
read, report, act and file a 处置表; a double submit still acts once; a page waits for Redis at most once per
breaker window; a logout made during the outage stays a logout when Redis comes back; the office is told that
notices are delayed. The test settings keep the real Redis for everything else: each test points only the
cache at a dead address, and every breaker is forgotten before and after it.
"""

import datetime as dt
import logging
import socket
import subprocess
import threading
import time
import uuid

import pytest
import redis
from django.conf import settings as django_settings
from django.contrib.sessions.backends.cached_db import KEY_PREFIX as SESSION_CACHE_PREFIX
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import transaction
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from incidents.models import (
    DisposalForm,
    FormToken,
    Incident,
    ProgressReport,
    Status,
)
from incidents.tokens import TOKEN_SECONDS, claim_token, release_token, tokens_prune
from notifications import delivery
from notifications.models import Notice
from opinion_system import cache as resilient
from reports.models import Dossier
from tests.brokers import broker
from tests.factories import filed, reviewed

CLOSED = "redis://127.0.0.1:1/0"  # port 1: nothing listens, the connection is refused at once


class Clock:
    """The breakers' clock: it stands still unless the test moves it (a slow machine does not end a window)."""

    def __init__(self):
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def fresh_breakers():
    resilient.reset_breakers()
    yield
    resilient.reset_breakers()


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(resilient, "_now", clock)
    return clock


def point_cache_at(settings, location: str) -> None:
    """The cache (so the sessions) on `location`, under this run's key prefix; Django rebuilds the handlers."""
    settings.CACHES = {"default": {**django_settings.CACHES["default"], "LOCATION": location}}


@pytest.fixture
def redis_down(settings):
    point_cache_at(settings, CLOSED)


@pytest.fixture
def connects(monkeypatch) -> list[str]:
    """Every TCP connection redis-py opens, by address."""
    opened: list[str] = []
    original = redis.connection.Connection._connect

    def counting(self):
        opened.append(f"{self.host}:{self.port}")
        return original(self)

    monkeypatch.setattr(redis.connection.Connection, "_connect", counting)
    return opened


def sign_in(user) -> Client:
    """A browser that signs in through the login form, as a person does (no force_login)."""
    browser = Client()
    response = browser.post(reverse("login"), {"username": user.username, "password": "pw"})
    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == reverse("incidents:home")
    return browser


def act(browser, incident, name, data=None) -> None:
    """Press an action's button on the incident's page as it is now; it must succeed (302 back)."""
    current = Incident.objects.get(pk=incident.pk)
    payload = {"version": current.version, "token": uuid.uuid4().hex, **(data or {})}
    response = browser.post(reverse("incidents:action", args=[incident.pk, name]), payload)
    assert response.status_code == 302, (name, response.status_code)


def opens(browser, *urls) -> None:
    for url in urls:
        assert browser.get(url).status_code == 200, url


# --- 1. the core flow with Redis on a closed port ----------------------------------------------------------


def test_with_redis_down_people_sign_in_report_act_and_file_a_disposal_form(
    org, redis_down, connects, caplog, clock
):
    caplog.set_level(logging.WARNING, logger="opinion_system.cache")
    liaison, head, clerk = sign_in(org.p.xsc_liaison), sign_in(org.p.xsc_head), sign_in(org.p.clerk)
    leader = sign_in(org.p.xsc_leader)
    opens(liaison, reverse("incidents:home"), reverse("incidents:list"), reverse("incidents:report"))

    # 上报舆情 through the report page.
    response = liaison.post(
        reverse("incidents:report"),
        {
            "title": "Redis 停机时上报的舆情",
            "summary": "有学生在贴吧发帖反映宿舍断电。",
            "discovered_at": f"{timezone.localtime() - dt.timedelta(hours=1):%Y-%m-%dT%H:%M}",
            "platform": "百度贴吧",
            "url": "https://tieba.example/p/1",
            "department": org.xsc.pk,
            "token": uuid.uuid4().hex,
        },
    )
    incident = Incident.objects.get(title="Redis 停机时上报的舆情")
    assert response.status_code == 302 and response["Location"] == reverse(
        "incidents:detail", args=[incident.pk]
    )

    act(clerk, incident, "assess", {"category": "C", "level": 3, "responsible_department": org.xsc.pk})
    act(liaison, incident, "progress", {"content": "已联系后勤处恢复供电。"})
    act(head, incident, "end_disposal")
    act(
        liaison, incident, "disposal_form", {"team_members": "张三、李四", "disposal_situation": "已恢复供电"}
    )
    act(head, incident, "sign")
    act(liaison, incident, "submit_form")
    act(leader, incident, "leader_opinion", {"opinion": "同意备案"})
    act(clerk, incident, "file")

    incident.refresh_from_db()
    assert incident.status == Status.FILED
    assert ProgressReport.objects.filter(incident=incident, content="已联系后勤处恢复供电。").count() == 1
    assert DisposalForm.objects.get(incident=incident).team_members == "张三、李四"
    detail = reverse("incidents:detail", args=[incident.pk])
    opens(
        clerk,
        reverse("incidents:list"),
        reverse("incidents:list") + "?q=宿舍",
        detail,
        reverse("notifications:list"),
    )
    opens(liaison, detail, reverse("incidents:home"))
    assert Session.objects.count() == 4  # the sessions live in the database meanwhile

    # Three people, a dozen pages: Redis was tried once, then left alone for the breaker's window; logged once.
    assert connects == ["127.0.0.1:1"]
    assert len([r for r in caplog.records if r.name == "opinion_system.cache"]) == 1

    # Signing out works too.
    assert liaison.post(reverse("logout")).status_code == 302
    assert liaison.get(reverse("incidents:home")).status_code == 302


def test_with_redis_down_a_double_submit_still_acts_once(org, redis_down):
    from tests.factories import assessed

    incident = assessed(org, level=3)
    liaison = sign_in(org.p.xsc_liaison)
    data = {"version": incident.version, "content": "同一份进展", "token": uuid.uuid4().hex}
    url = reverse("incidents:action", args=[incident.pk, "progress"])
    assert liaison.post(url, data).status_code == 302
    assert liaison.post(url, data).status_code == 302  # "已经提交过", not a second report
    assert ProgressReport.objects.filter(incident=incident, content="同一份进展").count() == 1


class SilentRedis:
    """A port that accepts connections and never answers: a hung Redis (or a half-open connection)."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"redis://127.0.0.1:{self.listener.getsockname()[1]}/0"
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                self.accepted.append(self.listener.accept()[0])
            except OSError:
                return

    def close(self):
        self.listener.close()
        for conn in self.accepted:
            conn.close()


def test_a_hung_redis_costs_one_short_timeout_per_breaker_window_not_one_per_call(
    org, settings, connects, clock
):
    silent = SilentRedis()
    try:
        point_cache_at(settings, silent.url)
        browser = Client()
        browser.force_login(org.p.clerk)  # through the session cache: the one wait of this window
        started = time.monotonic()
        for name in ("incidents:home", "incidents:list", "notifications:list", "incidents:report"):
            assert browser.get(reverse(name)).status_code == 200
        pages = time.monotonic() - started
        assert len(connects) == 1  # the login waited its socket_timeout; the four pages did not try
        assert pages < 2, f"four pages took {pages:.1f} s with the breaker open"

        clock.advance(resilient.BREAKER_SECONDS + 1)  # the window is over: one request probes, once
        started = time.monotonic()
        assert browser.get(reverse("incidents:home")).status_code == 200
        probed = time.monotonic() - started
        assert len(connects) == 2
        assert probed < 0.5 + 1.5, f"the probing page took {probed:.1f} s"  # socket_timeout + the page
    finally:
        silent.close()


# --- 2. the one-time form tokens are rows --------------------------------------------------------------------


class Req:
    def __init__(self, user):
        self.user = user


def test_a_token_is_claimed_once_released_for_a_corrected_form_and_pruned_after_a_day(org):
    request, token = Req(org.p.xsc_liaison), uuid.uuid4().hex
    assert claim_token(request, token) and not claim_token(request, token)
    assert claim_token(Req(org.p.xsc_head), token)  # tokens are per person
    release_token(request, token)
    assert claim_token(request, token)
    assert claim_token(request, "")  # a form without a token goes through, every time

    FormToken.objects.filter(token=token).update(
        created_at=timezone.now() - dt.timedelta(seconds=TOKEN_SECONDS + 1)
    )
    fresh = uuid.uuid4().hex
    assert claim_token(request, fresh)
    assert tokens_prune() == 2
    assert list(FormToken.objects.values_list("token", flat=True)) == [fresh]


def test_a_refused_claim_leaves_the_callers_transaction_usable(org):
    request, token = Req(org.p.xsc_liaison), uuid.uuid4().hex
    with transaction.atomic():
        assert claim_token(request, token)
        assert not claim_token(request, token)  # the IntegrityError is rolled back to its savepoint
        assert FormToken.objects.filter(token=token).count() == 1


# --- 3. the broker: a request never waits for it -------------------------------------------------------------


@pytest.fixture
def broker_on_closed_port():
    """Celery as in production (not eager), its broker the same dead Redis as the cache."""
    with broker(CLOSED):
        yield


def test_archiving_with_the_broker_down_answers_at_once_and_the_dossier_waits(
    org, redis_down, broker_on_closed_port, monkeypatch, django_capture_on_commit_callbacks, clock
):
    from reports import tasks

    published = []
    monkeypatch.setattr(tasks.build_dossier, "delay", lambda *args: published.append(args))
    incident = reviewed(org, filed(org))
    clerk = sign_in(org.p.clerk)  # the session cache fails: Redis is known down from here on
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        act(clerk, incident, "archive")
    took = time.monotonic() - started
    assert Incident.objects.get(pk=incident.pk).status == Status.ARCHIVED
    dossier = Dossier.objects.get(incident=incident)
    assert (dossier.status, dossier.queued_at) == ("pending", None)  # the next resume_jobs queues it
    assert published == []  # not even tried: no wait for the broker's connection retries
    assert took < 2

    # The sweep's hand-over does not wait either, and leaves the email rows pending.
    mail = Notice.objects.create(
        recipient=org.p.clerk, channel=Notice.Channel.EMAIL, kind="test", subject="测试", text="测试",
        dedupe_key=f"test-{uuid.uuid4()}", created_at=timezone.now(),
    )  # fmt: skip
    assert delivery.queue_pending() >= 0
    mail.refresh_from_db()
    assert (mail.queued_at, mail.sent_at, mail.attempts) == (None, None, 0)


# --- 4. the office sees that notices are delayed --------------------------------------------------------------


def pending_email(org, minutes_ago: int, **kw) -> Notice:
    return Notice.objects.create(
        recipient=org.p.xsc_head, channel=Notice.Channel.EMAIL, kind="test", subject="逾期提醒", text="逾期",
        dedupe_key=f"test-{uuid.uuid4()}", created_at=timezone.now() - dt.timedelta(minutes=minutes_ago), **kw,
    )  # fmt: skip


def banner(context) -> str:
    """The banner's text as read."""
    return strip_tags(render_to_string("notifications/_delivery_banner.html", {"delivery_delayed": context}))


def test_the_office_is_told_when_email_and_robot_notices_wait_too_long(org):
    pending_email(org, minutes_ago=1)  # just written: the next sweep sends it, nothing to say
    pending_email(org, minutes_ago=30, attempts=2, last_error="SMTP 拒收")  # a failure, not a delay
    assert delivery.delivery_delayed() is None
    assert banner(None).strip() == ""

    oldest = pending_email(org, minutes_ago=20)
    pending_email(org, minutes_ago=8)
    delayed = delivery.delivery_delayed()
    assert delayed == {"count": 2, "oldest": oldest.created_at, "broker_down": False}
    text = banner(delayed)
    assert "消息推送延迟：2 条通知尚未发出" in text
    # Today's time alone, an earlier day's with its date: 20 minutes ago is yesterday just after midnight.
    local = timezone.localtime(oldest.created_at)
    day = "" if local.date() == timezone.localdate() else f"{local.month}月{local.day}日 "
    assert f"最早 {day}{local:%H:%M}" in text
    assert "站内通知照常，邮件与群机器人将在恢复后补发" in text


def test_the_banner_is_on_the_office_pages_only(client, org):
    pending_email(org, minutes_ago=20)
    client.force_login(org.p.clerk)
    assert "消息推送延迟：1 条通知尚未发出" in strip_tags(
        client.get(reverse("incidents:home")).content.decode()
    )
    for person in (org.p.xsc_liaison, org.p.leader):
        client.force_login(person)
        assert "消息推送延迟" not in client.get(reverse("incidents:home")).content.decode()


def test_the_office_is_told_at_once_when_the_broker_is_known_down(
    org, redis_down, broker_on_closed_port, clock
):
    assert delivery.delivery_delayed() is None  # nothing known yet: no network is used to find out
    caches["default"].get("anything")  # a page's first cache call finds Redis down
    delayed = delivery.delivery_delayed()
    assert delayed == {"count": 0, "oldest": None, "broker_down": True}
    assert "消息队列当前不可用" in banner(delayed)


# --- 5. a logout during the outage stays a logout -------------------------------------------------------------


class OwnRedis:
    """A redis-server of this test, which keeps its data across a restart as a persistent Redis does."""

    def __init__(self, directory):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                     "--appendonly", "no", "--dir", str(directory), "--dbfilename", "dump.rdb"]  # fmt: skip
        self.client = redis.Redis(port=self.port, socket_timeout=5)
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
        deadline = time.monotonic() + 10
        while True:
            try:
                if self.client.ping():
                    return
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self):
        """Shut down saving the data set (Debian's redis.conf saves too): the keys come back on start."""
        self.client.shutdown(save=True)  # redis-py takes the closed connection for the answer
        self.proc.wait(timeout=10)
        self.client.close()


@pytest.fixture
def own_redis(tmp_path, settings):
    server = OwnRedis(tmp_path)
    server.start()
    point_cache_at(settings, server.url)
    yield server
    if server.proc.poll() is None:
        server.proc.kill()
        server.proc.wait(timeout=10)


def signed_in_elsewhere(cookie: str) -> Client:
    """Another browser holding the cookie of a session (a copied cookie, a second tab restored later)."""
    browser = Client()
    browser.cookies[django_settings.SESSION_COOKIE_NAME] = cookie
    return browser


def log_out_during_an_outage(org, own_redis) -> tuple[str, str]:
    """Sign in with Redis up, stop Redis, sign out, start Redis: returns the old cookie and its cache key."""
    browser = sign_in(org.p.xsc_liaison)
    assert browser.get(reverse("incidents:home")).status_code == 200
    cookie = browser.cookies[django_settings.SESSION_COOKIE_NAME].value
    key = caches["default"].make_key(SESSION_CACHE_PREFIX + cookie)
    assert own_redis.client.exists(key)

    own_redis.stop()
    assert browser.post(reverse("logout")).status_code == 302
    assert not Session.objects.filter(session_key=cookie).exists()

    own_redis.start()
    assert own_redis.client.exists(key)  # the copy cached before the outage is back: the trap
    return cookie, key


def test_a_logout_during_the_outage_stays_a_logout_when_redis_is_back(org, own_redis, clock):
    cookie, key = log_out_during_an_outage(org, own_redis)
    clock.advance(resilient.BREAKER_SECONDS + 1)
    response = signed_in_elsewhere(cookie).get(reverse("incidents:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not own_redis.client.exists(key)  # purged when this process found Redis back

    # Redis is used again: a new sign-in is cached there.
    browser = sign_in(org.p.xsc_head)
    assert browser.get(reverse("incidents:home")).status_code == 200
    new = caches["default"].make_key(
        SESSION_CACHE_PREFIX + browser.cookies[django_settings.SESSION_COOKIE_NAME].value
    )
    assert own_redis.client.exists(new)


def test_a_process_that_missed_the_outage_purges_too_before_it_trusts_redis(org, own_redis, clock):
    cookie, key = log_out_during_an_outage(org, own_redis)
    # Another worker, idle during the outage, knows nothing of it: forget it here as that worker would.
    breaker = caches["default"].breaker
    breaker.down_since, breaker.open_until = None, 0.0
    clock.advance(resilient.IDLE_SECONDS + 1)  # it last heard from Redis before the outage
    response = signed_in_elsewhere(cookie).get(reverse("incidents:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not own_redis.client.exists(key)


# --- 6. the backend's contract ------------------------------------------------------------------------------


def test_a_programming_error_is_not_taken_for_an_outage(own_redis):
    backend = caches["default"]
    own_redis.client.rpush(backend.make_key("a-list"), "x")
    with pytest.raises(redis.exceptions.ResponseError):  # WRONGTYPE: a bug, raised as before
        backend.get("a-list")
    assert not backend.breaker.known_down


def test_every_call_answers_a_miss_or_a_no_op_while_redis_is_down(redis_down):
    backend = caches["default"]
    assert backend.get("k", "default") == "default"
    assert backend.add("k", 1) is False
    assert backend.set("k", 1) is None and backend.touch("k") is False and backend.delete("k") is False
    assert backend.get_many(["k", "l"]) == {} and backend.has_key("k") is False and "k" not in backend
    assert backend.set_many({"k": 1, "l": 2}) == ["k", "l"]
    assert backend.delete_many(["k"]) is None and backend.clear() is False
    assert backend.get_or_set("k", 5) == 5
    with pytest.raises(ValueError):
        backend.incr("k")
