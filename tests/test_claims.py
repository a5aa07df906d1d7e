"""A row of work is taken by one worker at a time and queued again only when nobody is on it (opinion_system.claims)."""

import datetime as dt
import uuid

from django.utils import timezone

from notifications.models import Notice
from opinion_system import claims

LEASE = dt.timedelta(minutes=5)


def email(org, **kw) -> Notice:
    return Notice.objects.create(
        recipient=org.p.clerk, channel=Notice.Channel.EMAIL, kind="test", subject="测试", text="测试",
        dedupe_key=f"test-{uuid.uuid4()}", created_at=timezone.now(), **kw,
    )  # fmt: skip


def rows(notice: Notice):
    return Notice.objects.filter(pk=notice.pk, sent_at__isnull=True)


def test_of_two_workers_claiming_the_same_row_only_the_first_wins(org):
    notice, now = email(org), timezone.now()
    assert claims.claim(rows(notice), now=now, lease=LEASE) == now + LEASE
    assert claims.claim(rows(notice), now=now + dt.timedelta(seconds=1), lease=LEASE) is None
    notice.refresh_from_db()
    assert (notice.claimed_until, notice.attempts) == (now + LEASE, 1)


def test_a_dead_workers_row_is_free_again_when_its_lease_is_over(org):
    notice, now = email(org), timezone.now()
    claims.claim(rows(notice), now=now, lease=LEASE)
    assert claims.claim(rows(notice), now=now + LEASE, lease=LEASE) is None  # the lease's last moment is held
    later = now + LEASE + dt.timedelta(seconds=1)
    assert claims.claim(rows(notice), now=later, lease=LEASE) == later + LEASE
    assert Notice.objects.get(pk=notice.pk).attempts == 2


def test_what_else_makes_a_row_claimable_is_the_callers_filter(org):
    notice, now = email(org, sent_at=timezone.now()), timezone.now()
    assert claims.claim(rows(notice), now=now, lease=LEASE) is None
    notice.refresh_from_db()
    assert (notice.claimed_until, notice.attempts) == (None, 0)


def test_the_claim_writes_the_callers_changes_in_the_same_update(org):
    notice, now = email(org, last_error="SMTP 拒收"), timezone.now()
    claims.claim(rows(notice), now=now, lease=LEASE, last_error="")
    assert Notice.objects.get(pk=notice.pk).last_error == ""


def test_only_the_holder_of_the_lease_extends_it(org):
    notice, now = email(org), timezone.now()
    held = claims.claim(rows(notice), now=now, lease=LEASE)
    later = now + dt.timedelta(minutes=1)
    renewed = claims.renew(rows(notice), held=held, now=later, lease=LEASE, last_error="进行中")
    assert renewed == later + LEASE
    assert claims.renew(rows(notice), held=held, now=later, lease=LEASE) is None  # taken over meanwhile
    notice.refresh_from_db()
    assert (notice.claimed_until, notice.last_error) == (renewed, "进行中")


def test_a_row_is_queued_again_when_nobody_holds_it_and_its_task_was_lost(org):
    now, after = timezone.now(), dt.timedelta(minutes=10)
    never_queued = email(org)
    just_queued = email(org, queued_at=now - after + dt.timedelta(seconds=1))
    lost = email(org, queued_at=now - after - dt.timedelta(seconds=1))
    lost_but_held = email(org, queued_at=now - after * 2, claimed_until=now + LEASE)
    lost_and_lease_over = email(org, queued_at=now - after * 2, claimed_until=now - dt.timedelta(seconds=1))
    due = Notice.objects.filter(claims.requeue_due(now, after=after))
    assert set(due.values_list("pk", flat=True)) == {never_queued.pk, lost.pk, lost_and_lease_over.pk}
    assert just_queued.pk not in due.values_list("pk", flat=True)
    assert lost_but_held.pk not in due.values_list("pk", flat=True)
