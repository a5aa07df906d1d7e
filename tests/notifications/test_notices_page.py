"""The bell's page: 未读 / 全部 and one kind, notices grouped by incident (the newest group first), marking all
that the page shows read, and the bell's count following at once."""

import datetime as dt
import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notice
from tests.factories import report

KEYS = itertools.count()
URL = reverse("notifications:list")
READ = reverse("notifications:read")


def notice(
    user, *, incident=None, kind="level_alert", minutes_ago=0, read=False, subject="测试通知"
) -> Notice:
    created = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return Notice.objects.create(
        recipient=user,
        kind=kind,
        incident=incident,
        subject=subject,
        text="内容",
        dedupe_key=f"test-page:{next(KEYS)}",
        created_at=created,
        sent_at=created,
        read_at=created if read else None,
    )


@pytest.fixture
def clerk(org, client):
    Notice.objects.all().delete()
    client.force_login(org.p.clerk)
    return org.p.clerk


def shown(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-notice="(\d+)"', page)]


def groups(page: str) -> list[str]:
    return re.findall(r'data-group="(\d+)"', page)


def unread(user) -> int:
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()


def bell(client) -> str:
    page = client.get(reverse("incidents:home")).content.decode()
    start = page.index('title="通知">')
    return page[start : page.index("</a>", start)]


def test_unread_is_the_default_and_all_shows_the_read_ones_too(client, clerk, org):
    new, old = notice(clerk), notice(clerk, read=True, minutes_ago=5)
    notice(org.p.xsc_head)  # another person's: never on this page
    assert shown(client.get(URL).content.decode()) == [new.pk]
    assert shown(client.get(URL + "?state=all").content.decode()) == [new.pk, old.pk]


def test_a_kind_shows_only_that_kind_under_its_chinese_name(client, clerk):
    alert = notice(clerk, kind="level_alert")
    meeting = notice(clerk, kind="meeting_convened", minutes_ago=1)
    page = client.get(URL + "?kind=meeting_convened").content.decode()
    assert shown(page) == [meeting.pk]
    assert "会议通知" in page
    assert '<optgroup label="会议与排查">' in page
    assert shown(client.get(URL + "?state=all&kind=level_alert").content.decode()) == [alert.pk]


def test_a_value_no_page_sends_falls_back_to_the_unread_with_a_chinese_word(client, clerk):
    first = notice(clerk)
    response = client.get(URL + "?kind=<script>&group=１&state=x")
    assert response.status_code == 200
    page = response.content.decode()
    assert shown(page) == [first.pk] and "筛选条件无效" in page and "<script>" not in page


def test_notices_of_one_incident_are_together_the_newest_group_first(client, clerk, org):
    a = report(org, title="宿舍热水器故障")
    b = report(org, title="食堂饭菜涨价")
    Notice.objects.all().delete()
    a_old = notice(clerk, incident=a, minutes_ago=40)
    b_only = notice(clerk, incident=b, minutes_ago=30)
    none = notice(clerk, kind="meeting_convened", minutes_ago=20)
    a_new = notice(clerk, incident=a, minutes_ago=10)
    page = client.get(URL).content.decode()
    assert groups(page) == [str(a.pk), "0", str(b.pk)]
    assert shown(page) == [a_new.pk, a_old.pk, none.pk, b_only.pk]
    header = page[page.index(f'data-group="{a.pk}"') :]
    assert f'<a href="/incidents/{a.pk}/">{a.number} 宿舍热水器故障</a>' in header[: header.index("</h2>")]
    assert "其他通知" in page


def test_a_big_group_shows_its_newest_few_and_opens_alone(client, clerk, org):
    a = report(org)
    Notice.objects.all().delete()
    made = [notice(clerk, incident=a, minutes_ago=n) for n in range(8)]
    page = client.get(URL).content.decode()
    assert shown(page) == [n.pk for n in made[:5]]
    assert f"group={a.pk}" in page and "查看本组全部 8 条" in page
    alone = client.get(URL + f"?group={a.pk}").content.decode()
    assert shown(alone) == [n.pk for n in made]


def test_an_incident_moved_away_keeps_its_group_but_not_its_title(client, org):
    theirs = report(org, reporter=org.p.rsc_liaison, title="人事处的舆情")
    Notice.objects.all().delete()
    notice(org.p.xsc_head, incident=theirs, subject="人事处的舆情")
    client.force_login(org.p.xsc_head)
    page = client.get(URL).content.decode()
    assert groups(page) == [str(theirs.pk)]
    assert "已移交其他部门的舆情" in page and "人事处的舆情" not in page and theirs.number not in page


def test_mark_all_read_marks_the_unread_of_the_kind_shown_only_this_persons_and_the_bell_drops(
    client, clerk, org
):
    alerts = [notice(clerk, kind="level_alert") for _ in range(3)]
    meetings = [notice(clerk, kind="meeting_convened") for _ in range(2)]
    others = notice(org.p.xsc_head, kind="level_alert")
    assert ">5</span>" in bell(client)
    form = {"kind": "level_alert", "next": URL + "?kind=level_alert"}
    assert client.post(READ, form).status_code == 302
    assert all(Notice.objects.get(pk=n.pk).read_at for n in alerts)
    assert not any(Notice.objects.get(pk=n.pk).read_at for n in [*meetings, others])
    assert ">2</span>" in bell(client)
    first_read = Notice.objects.get(pk=alerts[0].pk).read_at
    assert client.post(READ, form).status_code == 302  # the double submit changes nothing
    assert Notice.objects.get(pk=alerts[0].pk).read_at == first_read
    client.post(READ)  # no filter: all of this person's unread
    assert unread(clerk) == 0 and unread(org.p.xsc_head) == 1
    assert "badge" not in bell(client)


def test_mark_all_read_leaves_unread_what_came_after_the_page_was_drawn(client, clerk):
    seen = notice(clerk, minutes_ago=5)
    page = client.get(URL).content.decode()
    upto = re.search(r'data-form="read-all".*?name="upto" value="([^"]+)"', page, re.S).group(1)
    later = notice(clerk)
    Notice.objects.filter(pk=later.pk).update(created_at=timezone.now() + dt.timedelta(seconds=2))
    client.post(READ, {"upto": upto})
    assert Notice.objects.get(pk=seen.pk).read_at and not Notice.objects.get(pk=later.pk).read_at


def test_one_group_marked_read_leaves_the_other_groups(client, clerk, org):
    a = report(org)
    Notice.objects.all().delete()
    in_a, elsewhere = notice(clerk, incident=a), notice(clerk)
    client.post(READ, {"group": a.pk})
    assert Notice.objects.get(pk=in_a.pk).read_at and not Notice.objects.get(pk=elsewhere.pk).read_at
    client.post(READ, {"group": 0})
    assert Notice.objects.get(pk=elsewhere.pk).read_at


@pytest.mark.parametrize("forged", ["others", "missing", "１", "1 OR 1=1"])
def test_a_forged_id_or_another_persons_notice_is_404_and_changes_nothing(client, clerk, org, forged):
    own, others = notice(clerk), notice(org.p.xsc_head)
    value = {"others": others.pk, "missing": others.pk + 1000}.get(forged, forged)
    assert client.post(READ, {"id": value}).status_code == 404
    assert unread(clerk) == 1 and unread(org.p.xsc_head) == 1
    assert client.post(READ, {"id": own.pk}).status_code == 302
    assert client.post(READ, {"id": own.pk}).status_code == 302  # already read: still the user's own


def test_marking_read_is_a_post_with_the_csrf_token(org):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(org.p.clerk)
    assert strict.get(READ).status_code == 405
    assert strict.post(READ).status_code == 403


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_page_reads_as_much_with_50_notices_as_with_5(client, clerk, org):
    incidents = [report(org, title=f"舆情{n}") for n in range(12)]
    Notice.objects.all().delete()
    client.get(reverse("incidents:home"))  # the session's first touch is not the page's cost

    def fill(count):
        for n in range(count):
            notice(clerk, incident=incidents[n % 12] if n % 5 else None, minutes_ago=n, read=n % 3 == 0)

    fill(5)
    small = [_queries(client, URL + q) for q in ("", "?state=all", f"?group={incidents[1].pk}&state=all")]
    fill(45)
    big = [_queries(client, URL + q) for q in ("", "?state=all", f"?group={incidents[1].pk}&state=all")]
    assert small == big
