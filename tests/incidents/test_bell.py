"""The bell on every page: its unread count is the notices page's, and changes the moment a notice is written
or read; the office's scheduler banner says what engine.scheduler_status says."""

import datetime as dt
import itertools

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from incidents import engine, selectors
from incidents.context_processors import scheduler_banner
from incidents.models import Notice, SchedulerHeartbeat

KEYS = itertools.count()


def notice(user, **fields) -> Notice:
    return Notice.objects.create(
        recipient=user,
        kind="test",
        subject="测试通知",
        text="测试",
        dedupe_key=f"test-bell:{next(KEYS)}",
        created_at=timezone.now(),
        **fields,
    )


def bell_badge(client, user) -> str:
    client.force_login(user)
    page = client.get(reverse("incidents:home")).content.decode()
    start = page.index('title="通知">')
    return page[start : page.index("</a>", start)]


def test_the_count_is_what_the_bell_page_counts(org):
    head, clerk = org.p.xsc_head, org.p.clerk
    before = selectors.notice_count_unread(user=head)
    notice(head), notice(head)
    notice(head, read_at=timezone.now())
    notice(head, cancelled_at=timezone.now())
    notice(head, channel=Notice.Channel.EMAIL)
    notice(clerk)
    for user in (head, clerk):
        assert selectors.bell_get(user=user, with_scheduler=False)[0] == selectors.notice_count_unread(
            user=user
        )
    assert selectors.notice_count_unread(user=head) == before + 2


def test_the_bell_changes_as_soon_as_a_notice_is_written_and_read(client, org):
    head = org.p.xsc_head
    Notice.objects.filter(recipient=head).update(read_at=timezone.now())
    assert "badge" not in bell_badge(client, head)
    first = notice(head)
    assert ">1</span>" in bell_badge(client, head)
    notice(head)
    assert ">2</span>" in bell_badge(client, head)
    client.post(reverse("incidents:notices_read"), {"id": first.pk})
    assert ">1</span>" in bell_badge(client, head)
    client.post(reverse("incidents:notices_read"))
    assert "badge" not in bell_badge(client, head)


@pytest.mark.parametrize("minutes_ago", [None, 0, 4, 6, 60])
def test_the_banner_agrees_with_the_scheduler_status(db, minutes_ago):
    now = timezone.now()
    if minutes_ago is not None:
        SchedulerHeartbeat.objects.update_or_create(
            pk=1, defaults={"last_sweep_at": now - dt.timedelta(minutes=minutes_ago)}
        )
    with time_machine.travel(now, tick=False):
        last_sweep_at = selectors.sweep_last_at()
        status = engine.scheduler_status()
        assert scheduler_banner(last_sweep_at) == {
            "ok": status["ok"],
            "last_sweep_at": status["last_sweep_at"],
        }


def test_only_the_office_reads_the_scheduler(org):
    SchedulerHeartbeat.objects.update_or_create(pk=1, defaults={"last_sweep_at": timezone.now()})
    assert selectors.bell_get(user=org.p.clerk, with_scheduler=True)[1] is not None
    assert selectors.bell_get(user=org.p.xsc_liaison, with_scheduler=False)[1] is None
