"""The bell on every page: its unread count is the notices page's, and changes the moment a notice is written
or read."""

import itertools

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications import selectors, services
from notifications.models import Notice

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
        assert selectors.notice_count_unread(user=user) == len(
            [n for n in selectors.notice_list(user=user) if n.read_at is None]
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
    client.post(reverse("notifications:read"), {"id": first.pk})
    assert ">1</span>" in bell_badge(client, head)
    client.post(reverse("notifications:read"))
    assert "badge" not in bell_badge(client, head)


def test_marking_read_touches_only_the_readers_own_notices(org):
    head, clerk = org.p.xsc_head, org.p.clerk
    own, others = notice(head), notice(clerk)
    with pytest.raises(Notice.DoesNotExist):  # the page answers 404
        services.notice_mark_read(user=head, notice_id=others.pk)
    assert Notice.objects.get(pk=others.pk).read_at is None
    assert services.notice_mark_read(user=head, notice_id=own.pk) == 1
    services.notice_mark_read(user=head)
    assert selectors.notice_count_unread(user=head) == 0
    assert selectors.notice_count_unread(user=clerk) > 0
