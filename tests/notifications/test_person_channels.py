"""A notice reaches the one person who owes it: 企业微信 application messages, 钉钉 work notices and, for the
urgent kinds (第十条: level 1 and 督办), SMS — each once, within the platforms' caps, against local fakes."""

import datetime as dt
import logging
import uuid

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from departments.models import User
from incidents import engine
from incidents.models import Deadline
from notifications import delivery
from notifications.channels import limits
from notifications.channels.sms import aliyun_signature
from notifications.models import Notice
from notifications.services import Message, build_rows, save_rows
from tests.factories import ended
from tests.notifications.platforms import (
    ALIYUN,
    DINGTALK,
    SECRETS,
    WECOM,
    FakeAliyun,
    FakeDingtalk,
    FakeWecom,
    aliyun_expected_signature,
    platform_settings,
)

WECOM_SEND, DING_SEND = FakeWecom.send_path, FakeDingtalk.send_path


@pytest.fixture
def fakes(settings):
    servers = FakeWecom(), FakeDingtalk(), FakeAliyun()
    for name, value in platform_settings(*servers).items():
        setattr(settings, name, value)
    yield servers
    for server in servers:
        server.close()


@pytest.fixture
def wecom(fakes):
    return fakes[0]


@pytest.fixture
def dingtalk(fakes):
    return fakes[1]


@pytest.fixture
def aliyun(fakes):
    return fakes[2]


@pytest.fixture
def head(org):
    """学生处's head, reachable on every platform."""
    User.objects.filter(pk=org.p.xsc_head.pk).update(
        wecom_userid="ZhangSan", dingtalk_userid="ding-zhangsan", phone="138 0013 8000"
    )
    return User.objects.get(pk=org.p.xsc_head.pk)


def message(kind: str = "incident_reported", deadline=None, key: str | None = None) -> Message:
    return Message(
        kind=kind,
        subject="【逾期】食堂饭菜涨价引发学生吐槽：处置表报送已逾期",
        text="请尽快报送处置表。",
        incident=None,
        key=key or f"test:{uuid.uuid4()}",
        created_at=timezone.now(),
        link="/incidents/7/",
        deadline=deadline,
    )


def write(msg: Message, people, channel: str | None = None) -> list[Notice]:
    save_rows(build_rows(msg, people, actor=None))
    rows = Notice.objects.filter(dedupe_key__startswith=msg.key).exclude(channel="in_app")
    return list(rows.filter(channel=channel) if channel else rows)


def one(msg: Message, person: User, channel: str) -> Notice:
    (notice,) = write(msg, [person], channel)
    return notice


def row(person: User, channel: str, **kw) -> Notice:
    return Notice.objects.create(
        recipient=person, channel=channel, kind=kw.pop("kind", "incident_reported"), subject="通知", text="正文",
        link="/incidents/7/", dedupe_key=f"t-{uuid.uuid4()}", created_at=kw.pop("created_at", timezone.now()), **kw,
    )  # fmt: skip


# --- which rows are written ---------------------------------------------------------------------------------


def test_the_new_channels_are_off_unless_configured(org, head):
    from django.conf import settings

    assert set(settings.NOTICE_CHANNELS) == {"in_app", "email", "webhook"}
    assert {r.channel for r in build_rows(message("level_one_alert"), [head], actor=None)} == {"in_app"}


def test_one_row_per_person_and_channel_the_person_has(org, head, fakes):
    nobody = org.p.xsc_liaison  # no platform account, no mobile
    rows = write(message("level_one_alert"), [head, nobody])
    assert sorted((r.recipient_id, r.channel) for r in rows) == sorted(
        [(head.pk, "wecom"), (head.pk, "dingtalk"), (head.pk, "sms")]
    )
    assert {r.dedupe_key.rsplit(":", 2)[1:] == [str(head.pk), r.channel] for r in rows} == {True}
    # Written twice (a second sweep): still one row each.
    msg = message("level_one_alert", key="same-event")
    write(msg, [head])
    write(msg, [head])
    assert Notice.objects.filter(dedupe_key__startswith="same-event", channel="wecom").count() == 1


@pytest.mark.parametrize(
    ("kind", "deadline_kind", "texted"),
    [
        ("level_one_alert", None, True),
        ("deadline_escalation", "filing", True),  # 督办
        ("risk_escalation", None, True),  # 排查事项督办
        ("deadline_reminder", "round_the_clock", True),  # 一级 24 小时互通
        ("deadline_overdue", "duty_report_top_leaders", True),  # 一级响应的职责
        ("deadline_reminder", "filing", False),
        ("deadline_overdue", "daily_exchange", False),
        ("incident_reported", None, False),
        ("level_alert", None, False),  # 二级: not by SMS
    ],
)
def test_sms_only_for_the_urgent_kinds(org, head, fakes, kind, deadline_kind, texted):
    deadline = Deadline(kind=deadline_kind) if deadline_kind else None
    channels = {r.channel for r in build_rows(message(kind, deadline), [head], actor=None)}
    assert ("sms" in channels) is texted
    assert {"wecom", "dingtalk"} <= channels


def test_no_sms_to_a_landline(org, head, fakes):
    User.objects.filter(pk=head.pk).update(phone="0571-8888 8888")
    head.refresh_from_db()
    assert "sms" not in {r.channel for r in build_rows(message("level_one_alert"), [head], actor=None)}


# --- each platform ------------------------------------------------------------------------------------------


def test_wecom_sends_one_text_to_the_persons_userid_and_reuses_its_token(org, head, wecom, caplog):
    first, second = one(message(), head, "wecom"), one(message(), head, "wecom")
    assert (first.channel, second.channel) == ("wecom", "wecom")
    assert delivery.deliver(first.pk) == "sent"
    assert delivery.deliver(second.pk) == "sent"
    assert delivery.deliver(first.pk) == "skipped"  # a redelivered task sends nothing
    sends = wecom.sent(WECOM_SEND)
    assert len(sends) == 2 and len(wecom.sent("/cgi-bin/gettoken")) == 1
    body = sends[0]["body"]
    assert (
        body["touser"] == "ZhangSan"
        and body["msgtype"] == "text"
        and body["agentid"] == int(WECOM["agent_id"])
    )
    assert body["text"]["content"].startswith(first.subject)
    assert body["text"]["content"].endswith("/incidents/7/")
    assert {s["query"]["access_token"] for s in sends} == {"token-1"}

    # The token expired early (WeCom answers 42001): fetched anew once, and the message still goes out once.
    wecom.expired.add("token-1")
    third = one(message(), head, "wecom")
    with caplog.at_level(logging.DEBUG):
        assert delivery.deliver(third.pk) == "sent"
    assert len(wecom.sent("/cgi-bin/gettoken")) == 2
    # The refused send with the old token, then the same message with the new one.
    assert [s["query"]["access_token"] for s in wecom.sent(WECOM_SEND)] == ["token-1"] * 3 + ["token-2"]
    assert [s["body"] for s in wecom.sent(WECOM_SEND)[2:]] == [wecom.sent(WECOM_SEND)[3]["body"]] * 2
    assert not any(secret in caplog.text for secret in SECRETS)


def test_dingtalk_sends_a_work_notice_to_the_persons_userid(org, head, dingtalk):
    notice = one(message(), head, "dingtalk")
    assert delivery.deliver(notice.pk) == "sent"
    (send,) = dingtalk.sent(DING_SEND)
    assert send["body"]["agent_id"] == int(DINGTALK["agent_id"])
    assert send["body"]["userid_list"] == "ding-zhangsan"
    assert send["body"]["msg"]["msgtype"] == "text"
    assert send["body"]["msg"]["text"]["content"].startswith(notice.subject)
    # Expired: a new token, once.
    dingtalk.expired.add("token-1")
    again = one(message(), head, "dingtalk")
    assert delivery.deliver(again.pk) == "sent"
    assert len(dingtalk.sent("/gettoken")) == 2
    assert [s["query"]["access_token"] for s in dingtalk.sent(DING_SEND)] == ["token-1", "token-1", "token-2"]


def test_the_sms_is_a_signed_template_with_a_short_subject_and_the_link(org, head, aliyun):
    notice = one(message("level_one_alert"), head, "sms")
    assert delivery.deliver(notice.pk) == "sent"
    (text,) = aliyun.texts()
    q = text["query"]
    assert q["PhoneNumbers"] == "138 0013 8000".replace(" ", "") or q["PhoneNumbers"] == head.phone
    assert (q["SignName"], q["TemplateCode"], q["SignatureMethod"], q["Version"]) == (
        ALIYUN["sign"], ALIYUN["template"], "HMAC-SHA1", "2017-05-25"
    )  # fmt: skip
    params = __import__("json").loads(q["TemplateParam"])
    assert len(params["subject"]) <= 20 and params["subject"].startswith("【逾期】")
    assert params["link"].endswith("/incidents/7/")
    assert q["Signature"] == aliyun_expected_signature(q, ALIYUN["key_secret"])  # the fake checked it too


def test_a_wrong_signature_is_refused_by_the_fake(org, head, aliyun, settings):
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"
    notice = one(message("level_one_alert"), head, "sms")
    assert delivery.deliver(notice.pk) == "failed"
    notice.refresh_from_db()
    assert "SignatureDoesNotMatch" in notice.last_error and "not-the-secret" not in notice.last_error


def test_our_signature_matches_aliyuns_documented_example():
    # The example of Aliyun's SMS documentation (签名机制): these parameters and the secret "testSecret".
    params = {
        "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
        "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25",
    }  # fmt: skip
    assert aliyun_signature(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert aliyun_expected_signature(params, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


# --- failures, rate limits and the caps ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fake", "channel", "reply", "words"),
    [
        ("wecom", "wecom", {"errcode": 45009, "errmsg": "api freq out of limit"}, "企业微信限流"),
        ("wecom", "wecom", {"errcode": 45033, "errmsg": "api concurrent out of limit"}, "企业微信限流"),
        ("dingtalk", "dingtalk", {"errcode": 90018, "errmsg": "too many"}, "钉钉限流"),
        ("aliyun", "sms", {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控"}, "短信限流"),
    ],
)
def test_a_rate_limit_answer_backs_off_like_a_failure(org, head, fakes, fake, channel, reply, words):
    server = dict(zip(["wecom", "dingtalk", "aliyun"], fakes, strict=True))[fake]
    server.replies.append(reply)
    notice = one(message("level_one_alert"), head, channel)
    started = timezone.now()
    assert delivery.deliver(notice.pk) == "failed"
    notice.refresh_from_db()
    assert notice.sent_at is None and notice.attempts == 1 and words in notice.last_error
    assert notice.claimed_until >= started + delivery.backoff(1) - dt.timedelta(seconds=5)
    assert notice.pk not in delivery.pending_ids(timezone.now())  # within the backoff nobody sends it
    with time_machine.travel(timezone.now() + delivery.backoff(1) + dt.timedelta(seconds=5)):
        assert delivery.deliver(notice.pk) == "sent"
    notice.refresh_from_db()
    assert (notice.attempts, notice.last_error) == (2, "")


def test_an_invalid_wecom_user_is_a_failure_naming_the_person(org, head, wecom):
    wecom.replies.append({"errcode": 0, "errmsg": "ok", "invaliduser": "ZhangSan"})
    notice = one(message(), head, "wecom")
    assert delivery.deliver(notice.pk) == "failed"
    notice.refresh_from_db()
    assert "ZhangSan" in notice.last_error and head.display_name in notice.last_error
    assert notice.attempts == 1 and notice.sent_at is None


def test_the_31st_wecom_message_in_a_minute_waits_for_the_window_without_an_attempt(org, head, wecom):
    start = timezone.now()
    rows = [row(head, "wecom", created_at=start + dt.timedelta(milliseconds=i)) for i in range(31)]
    with time_machine.travel(start, tick=False):
        results = [delivery.deliver(r.pk) for r in rows[:30]]
    assert results == ["sent"] * 30
    late = rows[30]
    with time_machine.travel(start + dt.timedelta(seconds=20), tick=False):
        assert delivery.deliver(late.pk) == "deferred"
        assert delivery.pending_ids(timezone.now()) == []  # the sweep leaves it until the window frees
    late.refresh_from_db()
    assert (late.sent_at, late.attempts, late.last_error, late.queued_at) == (None, 0, "", None)
    assert late.claimed_until == start + limits.CAPS["wecom"][0].span  # when the first of the 30 leaves it
    assert len(wecom.sent(WECOM_SEND)) == 30
    # Someone else's messages do not count against this person.
    other = row(org.p.clerk, "wecom")
    User.objects.filter(pk=org.p.clerk.pk).update(wecom_userid="LiSi")
    with time_machine.travel(start + dt.timedelta(seconds=20), tick=False):
        assert delivery.deliver(other.pk) == "sent"
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        assert delivery.pending_ids(timezone.now()) == [late.pk]
        assert delivery.queue_pending() >= 1
    late.refresh_from_db()
    assert late.sent_at is not None and late.attempts == 1
    assert [s["body"]["touser"] for s in wecom.sent(WECOM_SEND)].count("ZhangSan") == 31


def test_the_hourly_wecom_cap_and_the_daily_dingtalk_cap(org, head):
    now = timezone.now()
    hour = Notice.objects.bulk_create(
        [
            Notice(recipient=head, channel="wecom", kind="t", subject="s", text="t", created_at=now,
                   sent_at=now - dt.timedelta(minutes=59, milliseconds=10 * i), dedupe_key=f"w-{i}")
            for i in range(1000)
        ]
    )  # fmt: skip
    waiting = row(head, "wecom")
    with pytest.raises(limits.Deferred) as wait:
        limits.check(waiting, now, held_until=now)
    oldest = min(r.sent_at for r in hour)
    assert wait.value.until == oldest + dt.timedelta(hours=1)

    # DingTalk: 500 today (Beijing time) → tomorrow at midnight.
    with time_machine.travel(dt.datetime(2026, 12, 1, 15, 0, tzinfo=dt.UTC), tick=False):  # 23:00 in Beijing
        now = timezone.now()
        Notice.objects.bulk_create(
            [
                Notice(recipient=head, channel="dingtalk", kind="t", subject="s", text="t", created_at=now,
                       sent_at=now - dt.timedelta(minutes=1), dedupe_key=f"d-{i}")
                for i in range(500)
            ]
        )  # fmt: skip
        ding = row(head, "dingtalk")
        with pytest.raises(limits.Deferred) as wait:
            limits.check(ding, now, held_until=now)
        assert wait.value.until == dt.datetime(2026, 12, 1, 16, 0, tzinfo=dt.UTC)  # 00:00 on 12-02 in Beijing


def test_a_row_waiting_for_a_cap_is_not_a_delay_on_the_offices_banner(org, head):
    now = timezone.now()
    waiting = row(
        head, "dingtalk", created_at=now - dt.timedelta(hours=10), claimed_until=now + dt.timedelta(hours=2)
    )
    assert delivery.delivery_delayed(now) is None  # the day's cap: it waits on purpose until midnight
    Notice.objects.filter(pk=waiting.pk).update(claimed_until=None)
    assert delivery.delivery_delayed(now)["count"] == 1  # never tried and nobody on it: that is a delay


def test_a_repeated_dingtalk_reminder_differs_in_text(org, head, dingtalk, settings):
    deadline = ended(org, level=3).deadlines.get(kind=Deadline.Kind.FILING)
    due = deadline.due_at
    # Overdue, escalated (to others), overdue again: the head is told twice of the same deadline.
    for minutes in (1, 121, 241):
        moment = due + dt.timedelta(minutes=minutes)
        with time_machine.travel(moment, tick=False):
            assert engine.sweep().processed == 1
    rows = Notice.objects.filter(deadline=deadline, channel="dingtalk", recipient=head).order_by("created_at")
    assert rows.count() == 2
    for notice in rows:
        assert delivery.deliver(notice.pk) == "sent"
    first, second = (s["body"]["msg"]["text"]["content"] for s in dingtalk.sent(DING_SEND))
    assert first != second
    assert "第 2 次提醒" in second and "第 2 次提醒" not in first
    assert (due + dt.timedelta(minutes=241)).astimezone(dt.timezone(dt.timedelta(hours=8))).strftime(
        "%m-%d %H:%M"
    ) in second


def test_no_token_is_cached_under_a_secret(org, head, wecom):
    notice = one(message(), head, "wecom")
    delivery.deliver(notice.pk)
    from notifications.channels.wecom import token_source

    key = token_source().cache_key
    assert cache.get(key) == "token-1" and WECOM["secret"] not in key


def test_a_burst_of_wecom_messages_all_goes_out_minute_by_minute(org, head, wecom):
    """A sweep that writes 70 notices to one person at once (after an outage, say): 30 a minute, then the rest
    as the window frees — the ones waiting for the cap never hold each other back."""
    start = timezone.now()
    rows = [row(head, "wecom", created_at=start + dt.timedelta(milliseconds=i)) for i in range(70)]
    sent_by_minute = []
    for minute in range(4):
        # a second past each minute since the previous pass (a window frees one minute after its first send)
        with time_machine.travel(start + dt.timedelta(seconds=61 * minute + 1), tick=False):
            for notice_id in delivery.pending_ids(timezone.now()):
                delivery.deliver(notice_id)
        sent_by_minute.append(
            Notice.objects.filter(pk__in=[r.pk for r in rows], sent_at__isnull=False).count()
        )
    assert sent_by_minute == [30, 60, 70, 70]
    assert not Notice.objects.filter(pk__in=[r.pk for r in rows], attempts__gt=1).exists()
