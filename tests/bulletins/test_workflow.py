"""舆情通报 (第四条): drafted by the office, approved by a member of the leadership group, issued with a number
that runs without gaps per year, read by the recipient departments, reminded once a day until read."""

import datetime as dt
import threading

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.utils import timezone

from bulletins import access, services
from bulletins.models import Bulletin, BulletinCounter, BulletinReading, BulletinReceipt
from dashboard import selectors as dashboard
from dashboard.forms import range_period
from notifications.models import Notice
from opinion_system.errors import DomainError, NotAllowed, TransitionNotAllowed
from tests.bulletins.conftest import approved, draft, issued

pytestmark = pytest.mark.django_db


def test_the_office_drafts_with_the_dashboards_figures_of_the_period(org, incident):
    bulletin = draft(org, incidents=[incident])
    period = range_period(bulletin.period_start, bulletin.period_end)
    counted = dashboard.period_figures_get(user=org.p.clerk, period=period, now=timezone.now())
    assert bulletin.status == Bulletin.Status.DRAFT and bulletin.number is None
    assert bulletin.figures["total"] == counted["total"].n == 1
    assert bulletin.figures["unassessed"] == 1
    assert list(bulletin.incidents.all()) == [incident]


def test_recipients_are_every_active_department_by_default(org):
    bulletin = services.bulletin_create(
        actor=org.p.clerk,
        title="通报",
        body="正文",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 1, 31),
    )
    assert set(bulletin.recipients.all()) == {org.office, org.admin_office, org.xsc, org.rsc}


@pytest.mark.parametrize("who", ["leader", "xsc_liaison", "xsc_head", "top_leader", "approver"])
def test_only_the_office_drafts(org, who):
    with pytest.raises(NotAllowed):
        draft_as(org, getattr(org.p, who))


def draft_as(org, actor):
    return services.bulletin_create(
        actor=actor,
        title="通报",
        body="正文",
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 1, 31),
    )


def test_a_period_in_the_wrong_order_is_refused_in_chinese(org):
    with pytest.raises(DomainError, match="起始日期不能晚于截止日期"):
        services.bulletin_create(
            actor=org.p.clerk,
            title="通报",
            body="正文",
            period_start=dt.date(2026, 2, 1),
            period_end=dt.date(2026, 1, 1),
        )


@pytest.mark.parametrize("who", ["clerk", "top_leader", "xsc_head", "xsc_leader", "approver", "root"])
def test_only_a_member_of_the_leadership_group_approves(org, who):
    bulletin = services.bulletin_submit(actor=org.p.clerk, bulletin=draft(org))
    with pytest.raises(NotAllowed, match="领导小组成员"):
        services.bulletin_approve(actor=getattr(org.p, who), bulletin=bulletin)
    assert Bulletin.objects.get(pk=bulletin.pk).status == Bulletin.Status.PENDING


def test_the_leader_approves_and_the_office_is_told(org):
    bulletin = approved(org)
    assert bulletin.status == Bulletin.Status.APPROVED
    assert bulletin.approved_by == org.p.leader and bulletin.approved_at is not None
    assert Notice.objects.filter(kind="bulletin_submitted", recipient=org.p.leader).exists()
    assert Notice.objects.filter(kind="bulletin_approved", recipient=org.p.clerk).exists()


def test_a_return_needs_a_comment_and_makes_a_draft_again(org):
    bulletin = services.bulletin_submit(actor=org.p.clerk, bulletin=draft(org))
    with pytest.raises(DomainError, match="退回须填写意见"):
        services.bulletin_return(actor=org.p.leader, bulletin=bulletin, comment="  ")
    returned = services.bulletin_return(
        actor=org.p.leader, bulletin=bulletin, comment="请补充学生处的处置情况"
    )
    assert returned.status == Bulletin.Status.DRAFT and returned.return_comment == "请补充学生处的处置情况"
    assert Notice.objects.filter(kind="bulletin_returned", recipient=org.p.clerk).exists()
    edited = services.bulletin_update(
        actor=org.p.clerk,
        bulletin=returned,
        expected_version=returned.version,
        title="关于近期网络舆情情况的通报（修改稿）",
        body="补充了学生处的处置情况。",
        period_start=returned.period_start,
        period_end=returned.period_end,
        incidents=[],
        recipients=[org.xsc],
    )
    assert services.bulletin_submit(actor=org.p.clerk, bulletin=edited).status == Bulletin.Status.PENDING


def test_only_a_draft_is_edited(org):
    bulletin = approved(org)
    with pytest.raises(TransitionNotAllowed, match="只有草稿可以修改"):
        services.bulletin_update(
            actor=org.p.clerk, bulletin=bulletin, expected_version=None, title="x", body="y",
            period_start=bulletin.period_start, period_end=bulletin.period_end, incidents=[], recipients=[org.xsc],
        )  # fmt: skip


@pytest.mark.parametrize(
    ("stage", "move"),
    [
        ("draft", "approve"),
        ("draft", "issue"),
        ("pending", "issue"),
        ("approved", "approve"),
        ("issued", "issue"),
    ],
)
def test_moves_out_of_order_are_refused(org, stage, move):
    bulletin = {"draft": draft, "approved": approved, "issued": issued}.get(stage, draft)(org)
    if stage == "pending":
        bulletin = services.bulletin_submit(actor=org.p.clerk, bulletin=bulletin)
    actor = org.p.leader if move == "approve" else org.p.clerk
    with pytest.raises(TransitionNotAllowed, match="不能"):
        getattr(services, f"bulletin_{move}")(actor=actor, bulletin=bulletin)


def test_the_leader_does_not_issue(org):
    with pytest.raises(NotAllowed):
        services.bulletin_issue(actor=org.p.leader, bulletin=approved(org))


def test_numbers_are_given_at_issue_and_run_per_year(org):
    first, second = approved(org), approved(org)
    assert first.number is None
    with time_machine.travel(
        dt.datetime(2026, 12, 31, 23, 0, tzinfo=timezone.get_default_timezone()), tick=False
    ):
        a = services.bulletin_issue(actor=org.p.clerk, bulletin=second)
    with time_machine.travel(
        dt.datetime(2027, 1, 1, 0, 30, tzinfo=timezone.get_default_timezone()), tick=False
    ):
        b = services.bulletin_issue(actor=org.p.clerk, bulletin=first)
        c = issued(org)
    assert (a.year, a.number, a.number_text) == (2026, 1, "〔2026〕第 1 期")
    assert (b.year, b.number, c.number) == (2027, 1, 2)
    assert BulletinCounter.objects.get(year=2027).last_number == 2


def test_the_database_refuses_a_number_twice_in_a_year(org):
    bulletin = issued(org)
    other = approved(org)
    with pytest.raises(IntegrityError), transaction.atomic():
        Bulletin.objects.filter(pk=other.pk).update(
            status="issued", year=bulletin.year, number=bulletin.number, issued_at=timezone.now()
        )


def test_issuing_tells_each_recipient_departments_head_and_liaisons(org):
    bulletin = issued(org, recipients=[org.xsc])
    told = set(
        Notice.objects.filter(kind="bulletin_issued", channel="in_app").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"xsc_head", "xsc_liaison"}
    assert list(bulletin.receipts.values_list("department", flat=True)) == [org.xsc.pk]


# --- who reads what --------------------------------------------------------------------------------------------


def test_a_draft_is_read_by_the_office_and_the_leadership_only(org):
    bulletin = draft(org)
    for who in ("clerk", "leader", "top_leader"):
        assert access.access_bulletin(getattr(org.p, who), bulletin.pk) == bulletin
    for who in ("xsc_liaison", "xsc_head", "outsider", "approver"):
        with pytest.raises(Http404):
            access.access_bulletin(getattr(org.p, who), bulletin.pk)


def test_an_issued_bulletin_is_read_by_the_people_of_its_recipient_departments_only(org):
    bulletin = issued(org, recipients=[org.xsc])
    for who in ("xsc_liaison", "xsc_head", "xsc_leader"):
        assert access.access_bulletin(getattr(org.p, who), bulletin.pk) == bulletin
    for who in ("rsc_liaison", "rsc_head", "outsider", "xsc_staff", "approver"):
        with pytest.raises(Http404):
            access.access_bulletin(getattr(org.p, who), bulletin.pk)


# --- read receipts ---------------------------------------------------------------------------------------------


def test_the_first_opening_of_each_person_is_recorded_and_the_departments_first_reader(org):
    bulletin = issued(org, recipients=[org.xsc, org.rsc])
    assert services.bulletin_open(user=org.p.xsc_liaison, bulletin=bulletin) == 1
    receipt = BulletinReceipt.objects.get(bulletin=bulletin, department=org.xsc)
    first_at = receipt.first_opened_at
    assert receipt.first_opened_by == org.p.xsc_liaison
    assert services.bulletin_open(user=org.p.xsc_head, bulletin=bulletin) == 0  # the department has read it
    assert services.bulletin_open(user=org.p.xsc_liaison, bulletin=bulletin) == 0
    receipt.refresh_from_db()
    assert (receipt.first_opened_by, receipt.first_opened_at) == (org.p.xsc_liaison, first_at)
    readers = BulletinReading.objects.filter(receipt=receipt).values_list("user__username", flat=True)
    assert sorted(readers) == ["xsc_head", "xsc_liaison"]
    assert not BulletinReceipt.objects.get(bulletin=bulletin, department=org.rsc).first_opened_at


def test_the_office_opening_it_is_no_receipt(org):
    bulletin = issued(org, recipients=[org.xsc])
    assert services.bulletin_open(user=org.p.clerk, bulletin=bulletin) == 0
    assert services.bulletin_open(user=org.p.leader, bulletin=bulletin) == 0
    assert not BulletinReading.objects.exists()


# --- reminders -------------------------------------------------------------------------------------------------


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_default_timezone())


def reminded(department) -> list[str]:
    return sorted(
        Notice.objects.filter(
            kind="bulletin_unread", channel="in_app", text__contains=department.name
        ).values_list("recipient__username", flat=True)
    )


def test_departments_that_have_not_read_are_reminded_once_a_day(org):
    bulletin = issued(org, recipients=[org.xsc, org.rsc])
    services.bulletin_open(user=org.p.rsc_liaison, bulletin=bulletin)
    today = timezone.localdate()
    assert services.remind_unread(now=at(today, 23)) == 0  # the day of issue: the notice of issue is enough
    tomorrow = today + dt.timedelta(days=1)
    assert services.remind_unread(now=at(tomorrow)) == 1
    assert services.remind_unread(now=at(tomorrow, 15)) == 0  # exactly once a day, however often it runs
    assert reminded(org.xsc) == ["xsc_head", "xsc_liaison"]
    assert reminded(org.rsc) == []
    assert services.remind_unread(now=at(tomorrow + dt.timedelta(days=1))) == 1
    assert BulletinReceipt.objects.get(bulletin=bulletin, department=org.xsc).reminders == 2
    services.bulletin_open(user=org.p.xsc_head, bulletin=bulletin)
    assert services.remind_unread(now=at(tomorrow + dt.timedelta(days=2))) == 0


def test_the_reminder_command_and_task_remind(org):
    from django.core.management import call_command

    from bulletins.tasks import remind_unread_bulletins

    bulletin = issued(org, recipients=[org.xsc])
    BulletinReceipt.objects.filter(bulletin=bulletin).update(reminded_on=None)
    Bulletin.objects.filter(pk=bulletin.pk).update(issued_at=timezone.now() - dt.timedelta(days=2))
    call_command("remind_unread_bulletins", verbosity=0)
    assert remind_unread_bulletins() == 0  # the same day: claimed already
    assert reminded(org.xsc) == ["xsc_head", "xsc_liaison"]


# --- two issues at once ----------------------------------------------------------------------------------------


@pytest.mark.postgresql_only(
    reason="two transactions at once wait on the counter row's lock (SELECT … FOR UPDATE)"
)
@pytest.mark.django_db(transaction=True)
def test_two_bulletins_issued_at_the_same_moment_get_one_and_two(org):
    bulletins = [approved(org), approved(org)]
    barrier = threading.Barrier(2)
    results, errors = [], []

    def issue(bulletin):
        try:
            barrier.wait(timeout=10)
            results.append(services.bulletin_issue(actor=org.p.clerk, bulletin=bulletin).number)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(b,)) for b in bulletins]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors
    assert sorted(results) == [1, 2]
    assert sorted(Bulletin.objects.filter(status="issued").values_list("number", flat=True)) == [1, 2]


def test_the_supervising_leaders_reading_is_listed_but_the_department_has_not_read_it(org):
    bulletin = issued(org, recipients=[org.xsc])
    assert services.bulletin_open(user=org.p.xsc_leader, bulletin=bulletin) == 0
    receipt = BulletinReceipt.objects.get(bulletin=bulletin)
    assert receipt.first_opened_at is None
    assert list(receipt.readings.values_list("user__username", flat=True)) == ["xsc_leader"]
    assert services.bulletin_open(user=org.p.xsc_liaison, bulletin=bulletin) == 1


@pytest.mark.django_db
def test_every_step_of_a_bulletin_is_in_its_history_with_who_and_why(org):
    bulletin = issued(org)
    steps = list(bulletin.history.order_by("history_id").values_list("history_change_reason", "history_user"))
    assert [reason for reason, _ in steps] == [
        "拟稿",
        "送领导小组审批",
        "批准",
        f"印发 {bulletin.number_text}",
    ]
    assert [user for _, user in steps] == [org.p.clerk.pk, org.p.clerk.pk, org.p.leader.pk, org.p.clerk.pk]
