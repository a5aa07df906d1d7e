"""Two real Celery workers on a real Redis, every task handed out twice: each person's WeCom, DingTalk and SMS
message still goes out once (the claim of notifications.delivery, as for e-mail)."""

from collections import Counter

import pytest

from departments.models import User
from notifications import delivery
from notifications import tasks as notice_tasks
from notifications.models import Notice
from notifications.services import build_rows, save_rows
from tests.brokers import broker
from tests.incidents.test_engine_delivery import REAL_COMMITS, REDIS_14, Worker, redis14, wait_for  # noqa: F401
from tests.notifications.platforms import FakeAliyun, FakeDingtalk, FakeWecom, platform_settings
from tests.notifications.test_person_channels import message


@pytest.fixture
def fakes(settings, monkeypatch):
    servers = FakeWecom(), FakeDingtalk(), FakeAliyun()
    for name, value in platform_settings(*servers).items():
        setattr(settings, name, value)
        # The workers are other processes: they read the same settings from the environment.
        monkeypatch.setenv(name, ",".join(value) if isinstance(value, list) else value)
    yield servers
    for server in servers:
        server.close()


@REAL_COMMITS
def test_two_workers_and_every_task_twice_send_each_message_once(org, fakes, tmp_path, redis14):  # noqa: F811
    wecom, dingtalk, aliyun = fakes
    people = [org.p.xsc_head, org.p.xsc_liaison, org.p.clerk]
    for n, person in enumerate(people):
        User.objects.filter(pk=person.pk).update(
            wecom_userid=f"wx-{n}", dingtalk_userid=f"dd-{n}", phone=f"1380013800{n}"
        )
    people = list(User.objects.filter(pk__in=[p.pk for p in people]))
    for _ in range(4):
        save_rows(build_rows(message("level_one_alert"), people, actor=None))
    outgoing = Notice.objects.exclude(channel="in_app")
    assert Counter(outgoing.values_list("channel", flat=True)) == {"wecom": 12, "dingtalk": 12, "sms": 12}

    workers = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        workers.append(Worker(tmp_path / name, tmp_path))
    try:
        for worker in workers:
            worker.wait_ready()
        with broker(REDIS_14):
            assert delivery.queue_pending() >= 36
            for pk in outgoing.values_list("pk", flat=True):
                notice_tasks.deliver_notice.delay(pk)  # Redis handing each task out again
            wait_for(
                lambda: not outgoing.filter(sent_at__isnull=True).exists(),
                timeout=60,
                what=lambda: "the workers to send every message:\n" + "\n".join(w.text() for w in workers),
            )
            wait_for(lambda: redis14.llen("celery") == 0, timeout=30, what="the queue to drain")
    finally:
        for worker in workers:
            worker.stop()
    assert set(outgoing.values_list("attempts", "last_error")) == {(1, "")}
    wx = Counter(r["body"]["touser"] for r in wecom.sent(FakeWecom.send_path))
    dd = Counter(r["body"]["userid_list"] for r in dingtalk.sent(FakeDingtalk.send_path))
    sms = Counter(r["query"]["PhoneNumbers"] for r in aliyun.texts())
    assert wx == {f"wx-{n}": 4 for n in range(3)}
    assert dd == {f"dd-{n}": 4 for n in range(3)}
    assert sms == {f"1380013800{n}": 4 for n in range(3)}
