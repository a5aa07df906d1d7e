"""第十条, rule by rule: each test fails if its rule is broken."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.test import override_settings

from departments.roles import Role
from incidents import services
from incidents.models import (
    Deadline,
    GradeEscalation,
    Incident,
    LevelOneDuty,
    ReplyStatement,
    Status,
)
from notifications.models import Notice
from opinion_system.errors import DomainError, NotAllowed, TransitionNotAllowed
from tests.factories import (
    approved_statement,
    archived,
    assessed,
    ended,
    exchange_deadlines,
    filed,
    level_one_duties_done,
    report,
    reviewed,
    submitted,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def notified(incident, role: Role, kind: str) -> set[str]:
    return set(
        Notice.objects.filter(incident=incident, kind=kind, recipient__groups__role__code=role).values_list(
            "recipient__username", flat=True
        )
    )


# --- Category A (意识形态类) is always level 1 -------------------------------------------------------------


@pytest.mark.parametrize("level", [2, 3])
def test_category_a_cannot_be_assessed_below_level_1(org, level):
    incident = report(org)
    with pytest.raises(DomainError, match="意识形态类"):
        services.incident_assess(
            incident=incident, actor=org.p.clerk, category="A", level=level, responsible_department=org.xsc
        )
    assert Incident.objects.get(pk=incident.pk).status == Status.REPORTED


def test_category_a_cannot_be_lowered(org):
    incident = assessed(org, level=1, category="A")
    with pytest.raises(DomainError, match="意识形态类"):
        services.incident_change_level(incident=incident, actor=org.p.clerk, to_level=2, reason="影响减小")
    assert Incident.objects.get(pk=incident.pk).level == 1


def test_database_refuses_category_a_below_level_1(org):
    incident = assessed(org, level=1, category="A")
    with pytest.raises(IntegrityError), transaction.atomic():
        Incident.objects.filter(pk=incident.pk).update(level=2)


# --- Raising and lowering ---------------------------------------------------------------------------------


def test_raising_records_escalation_with_history_and_starts_level_1_duties_at_once(org):
    incident = assessed(org, level=3)
    escalation = services.incident_change_level(
        incident=incident, actor=org.p.clerk, to_level=1, reason="转发量破万，媒体介入"
    )
    assert GradeEscalation.objects.filter(
        incident=incident, from_level=3, to_level=1, actor=org.p.clerk, reason="转发量破万，媒体介入"
    ).exists()
    assert escalation.history.get().history_user == org.p.clerk
    last = Incident.objects.get(pk=incident.pk).history.first()
    assert last.history_user == org.p.clerk and "转发量破万" in last.history_change_reason
    assert set(LevelOneDuty.objects.filter(incident=incident).values_list("kind", flat=True)) == set(
        LevelOneDuty.Kind.values
    )
    assert notified(incident, Role.TOP_LEADERS, "level_one_alert") == {"top_leader"}
    assert exchange_deadlines(incident).get(state="open").kind == Deadline.Kind.ROUND_THE_CLOCK


def test_lowering_needs_a_reason(org):
    incident = assessed(org, level=2)
    with pytest.raises(DomainError, match="理由"):
        services.incident_change_level(incident=incident, actor=org.p.clerk, to_level=3, reason="  ")
    assert Incident.objects.get(pk=incident.pk).level == 2
    assert not GradeEscalation.objects.exists()


def test_database_refuses_a_lowering_without_reason(org):
    incident = assessed(org, level=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        GradeEscalation.objects.create(
            incident=incident,
            from_level=2,
            to_level=3,
            reason="",
            actor=org.p.clerk,
            created_at=incident.reported_at,
        )


def test_lowering_keeps_done_duties_done_and_cancels_the_rest(org):
    incident = assessed(org, level=1, category="E")
    services.level_one_duty_record(
        incident=incident, actor=org.p.clerk, kind="report_superior", method="电话", recipient="市委网信办"
    )
    services.incident_change_level(incident=incident, actor=org.p.clerk, to_level=2, reason="已平息")
    duties = {d.kind: d for d in LevelOneDuty.objects.filter(incident=incident)}
    assert duties["report_superior"].done_at is not None and duties["report_superior"].cancelled_at is None
    assert duties["special_meeting"].cancelled_at is not None
    # Raised again: the cancelled ones are required again, the done one stays done.
    services.incident_change_level(incident=incident, actor=org.p.clerk, to_level=1, reason="再次发酵")
    duties = {d.kind: d for d in LevelOneDuty.objects.filter(incident=incident)}
    assert duties["special_meeting"].cancelled_at is None and duties["special_meeting"].done_at is None
    assert duties["report_superior"].method == "电话"


def test_report_to_superior_records_how_and_to_whom(org):
    incident = assessed(org, level=1, category="E")
    with pytest.raises(DomainError, match="方式"):
        services.level_one_duty_record(incident=incident, actor=org.p.clerk, kind="report_superior")


def test_raising_3_to_2_starts_daily_exchange_and_alerts_office_and_admin_office(org):
    incident = assessed(org, level=3)
    assert not Deadline.objects.filter(incident=incident).exists()
    services.incident_change_level(incident=incident, actor=org.p.clerk, to_level=2, reason="多个平台转发")
    assert exchange_deadlines(incident).get(state="open").kind == Deadline.Kind.DAILY_EXCHANGE
    assert notified(incident, Role.ADMIN_OFFICE, "level_alert") == {"dzb_approver"}
    assert "office_clerk" not in notified(incident, Role.OFFICE, "level_alert")  # who acted is not told


def test_lowering_2_to_3_makes_the_daily_exchange_moot(org):
    incident = assessed(org, level=2)
    services.incident_change_level(incident=incident, actor=org.p.clerk, to_level=3, reason="个案，已回应")
    assert not Deadline.objects.filter(incident=incident, state="open").exists()
    assert Deadline.objects.get(incident=incident).state == Deadline.State.MOOT


# --- Level 3: 12 hours to file after the disposal ends ------------------------------------------------------


def test_ending_the_disposal_starts_the_12_hour_filing_deadline(org):
    with time_machine.travel(at(2026, 3, 2, 9, 30), tick=False):
        incident = ended(org, level=3)
    deadline = Deadline.objects.get(incident=incident, kind=Deadline.Kind.FILING)
    assert deadline.due_at == at(2026, 3, 2, 21, 30)
    assert deadline.state == Deadline.State.OPEN


def test_submitting_the_form_meets_the_filing_deadline(org):
    with time_machine.travel(at(2026, 3, 2, 9, 30), tick=False):
        incident = ended(org, level=3)
    with time_machine.travel(at(2026, 3, 2, 20, 0), tick=False):
        services.disposal_form_save(
            incident=incident, actor=org.p.xsc_liaison, team_members="张三", disposal_situation="已处理"
        )
        services.disposal_form_sign(incident=incident, actor=org.p.xsc_head)
        services.disposal_form_submit(incident=incident, actor=org.p.xsc_liaison)
    deadline = Deadline.objects.get(incident=incident, kind=Deadline.Kind.FILING)
    assert deadline.state == Deadline.State.MET and not deadline.met_late


def test_a_form_submitted_after_12_hours_is_met_late(org):
    with time_machine.travel(at(2026, 3, 2, 9, 30), tick=False):
        incident = ended(org, level=3)
        services.disposal_form_save(
            incident=incident, actor=org.p.xsc_liaison, team_members="张三", disposal_situation="已处理"
        )
        services.disposal_form_sign(incident=incident, actor=org.p.xsc_head)
    with time_machine.travel(at(2026, 3, 2, 21, 31), tick=False):
        services.disposal_form_submit(incident=incident, actor=org.p.xsc_liaison)
    assert Deadline.objects.get(incident=incident, kind=Deadline.Kind.FILING).met_late


def test_the_form_needs_the_heads_signature_and_a_change_voids_it(org):
    incident = ended(org, level=3)
    services.disposal_form_save(
        incident=incident, actor=org.p.xsc_liaison, team_members="张三", disposal_situation="已处理"
    )
    with pytest.raises(DomainError, match="签字"):
        services.disposal_form_submit(incident=incident, actor=org.p.xsc_liaison)
    with pytest.raises(NotAllowed):
        services.disposal_form_sign(incident=incident, actor=org.p.xsc_liaison)
    services.disposal_form_sign(incident=incident, actor=org.p.xsc_head)
    form = services.disposal_form_save(
        incident=incident, actor=org.p.xsc_liaison, team_members="张三、王五", disposal_situation="已处理"
    )
    assert form.head_signed_by is None
    with pytest.raises(DomainError, match="签字"):
        services.disposal_form_submit(incident=incident, actor=org.p.xsc_liaison)


# --- Level 2: 党政办 approves the statement; daily exchange ---------------------------------------------


def test_level_2_assessment_queues_notices_to_office_and_admin_office(org):
    incident = assessed(org, level=2)
    assert notified(incident, Role.ADMIN_OFFICE, "level_alert") == {"dzb_approver"}
    assert "office_clerk" not in notified(incident, Role.OFFICE, "level_alert")  # who acted is not told
    assert not notified(incident, Role.TOP_LEADERS, "level_one_alert")


def test_level_3_assessment_does_not_alert_admin_office(org):
    incident = assessed(org, level=3)
    assert not notified(incident, Role.ADMIN_OFFICE, "level_alert")


def test_a_statement_cannot_be_published_before_admin_office_approves_it(org):
    incident = assessed(org, level=2)
    statement = services.statement_save_draft(incident=incident, actor=org.p.xsc_liaison, text="通稿")
    with pytest.raises(DomainError, match="审定"):
        services.statement_publish(statement=statement, actor=org.p.xsc_liaison, where="微博评论区")
    services.statement_submit(statement=statement, actor=org.p.xsc_liaison)
    with pytest.raises(DomainError, match="审定"):
        services.statement_publish(statement=statement, actor=org.p.xsc_liaison, where="微博评论区")
    services.statement_approve(statement=statement, actor=org.p.approver)
    published = services.statement_publish(statement=statement, actor=org.p.xsc_liaison, where="微博评论区")
    assert published.status == ReplyStatement.Status.PUBLISHED


def test_only_admin_office_approves_statements(org):
    incident = assessed(org, level=2)
    statement = services.statement_save_draft(incident=incident, actor=org.p.xsc_liaison, text="通稿")
    services.statement_submit(statement=statement, actor=org.p.xsc_liaison)
    for person in (org.p.xsc_head, org.p.clerk, org.p.leader):
        with pytest.raises(NotAllowed):
            services.statement_approve(statement=statement, actor=person)


def test_rejection_needs_a_comment_and_a_new_version_follows(org):
    incident = assessed(org, level=2)
    first = services.statement_save_draft(incident=incident, actor=org.p.xsc_liaison, text="第一稿")
    services.statement_submit(statement=first, actor=org.p.xsc_liaison)
    with pytest.raises(DomainError, match="退回意见"):
        services.statement_reject(statement=first, actor=org.p.approver, comment="")
    services.statement_reject(statement=first, actor=org.p.approver, comment="口径不准确")
    second = services.statement_save_draft(incident=incident, actor=org.p.xsc_liaison, text="第二稿")
    assert second.number == 2
    assert ReplyStatement.objects.get(pk=first.pk).review_comment == "口径不准确"


@pytest.mark.parametrize("level", [2, 1])
def test_disposal_cannot_end_without_an_approved_statement(org, level):
    incident = assessed(org, level=level, category="E")
    with pytest.raises(DomainError, match="审定的回复通稿"):
        services.disposal_end(incident=incident, actor=org.p.xsc_liaison)
    statement = services.statement_save_draft(incident=incident, actor=org.p.xsc_liaison, text="通稿")
    services.statement_submit(statement=statement, actor=org.p.xsc_liaison)
    with pytest.raises(DomainError, match="审定的回复通稿"):
        services.disposal_end(incident=incident, actor=org.p.xsc_liaison)
    services.statement_approve(statement=statement, actor=org.p.approver)
    if level == 1:
        level_one_duties_done(org, incident)
    assert services.disposal_end(incident=incident, actor=org.p.xsc_liaison).status == Status.DISPOSAL_ENDED


def test_level_3_disposal_ends_without_a_statement(org):
    incident = assessed(org, level=3)
    assert services.disposal_end(incident=incident, actor=org.p.xsc_liaison).status == Status.DISPOSAL_ENDED


def test_daily_exchange_asks_for_a_report_each_calendar_day_in_shanghai(org):
    # Assessed at 23:30 Shanghai time (15:30 UTC): that day is covered by the first-time report; the next
    # report is due before the end of the next calendar day in Shanghai, not in UTC.
    with time_machine.travel(at(2026, 5, 10, 23, 30), tick=False):
        incident = assessed(org, level=2)
    deadline = exchange_deadlines(incident).get(state="open")
    assert deadline.kind == Deadline.Kind.DAILY_EXCHANGE
    assert deadline.due_at == at(2026, 5, 12, 0, 0)


def test_a_report_before_midnight_covers_that_day_and_one_after_covers_the_next(org):
    with time_machine.travel(at(2026, 5, 10, 9, 0), tick=False):
        incident = assessed(org, level=2)
    with time_machine.travel(at(2026, 5, 11, 23, 59), tick=False):
        services.progress_report_add(incident=incident, actor=org.p.xsc_liaison, content="已约谈当事学生")
    met = Deadline.objects.get(incident=incident, state="met")
    assert met.due_at == at(2026, 5, 12, 0, 0) and not met.met_late
    assert exchange_deadlines(incident).get(state="open").due_at == at(2026, 5, 13, 0, 0)
    with time_machine.travel(at(2026, 5, 12, 0, 1), tick=False):
        services.progress_report_add(incident=incident, actor=org.p.xsc_liaison, content="已发布说明")
    assert exchange_deadlines(incident).get(state="open").due_at == at(2026, 5, 14, 0, 0)


def test_a_late_daily_report_meets_the_overdue_deadline_late(org):
    with time_machine.travel(at(2026, 5, 10, 9, 0), tick=False):
        incident = assessed(org, level=2)
    with time_machine.travel(at(2026, 5, 12, 8, 0), tick=False):
        services.progress_report_add(incident=incident, actor=org.p.xsc_liaison, content="补报")
    assert Deadline.objects.get(incident=incident, state="met").met_late
    assert exchange_deadlines(incident).get(state="open").due_at == at(2026, 5, 14, 0, 0)


def test_ending_the_disposal_stops_the_exchange_clock(org):
    incident = ended(org, level=2)
    open_kinds = set(Deadline.objects.filter(incident=incident, state="open").values_list("kind", flat=True))
    assert open_kinds == {Deadline.Kind.FILING, Deadline.Kind.LEADER_OPINION}


# --- Level 1: top leaders at once, four duties, round-the-clock reports ------------------------------------


def test_level_1_alerts_top_leaders_and_admin_office_at_once(org):
    incident = assessed(org, level=1, category="E")
    assert notified(incident, Role.TOP_LEADERS, "level_one_alert") == {"top_leader"}
    assert notified(incident, Role.ADMIN_OFFICE, "level_alert") == {"dzb_approver"}
    assert LevelOneDuty.objects.filter(incident=incident, done_at__isnull=True).count() == 4


@override_settings(LEVEL1_REPORT_INTERVAL_HOURS=3)
def test_level_1_reports_are_due_every_n_hours_round_the_clock(org):
    with time_machine.travel(at(2026, 5, 10, 22, 0), tick=False):
        incident = assessed(org, level=1, category="A")
    assert exchange_deadlines(incident).get(state="open").due_at == at(2026, 5, 11, 1, 0)
    with time_machine.travel(at(2026, 5, 11, 0, 40), tick=False):
        services.progress_report_add(incident=incident, actor=org.p.xsc_liaison, content="凌晨进展")
    deadline = exchange_deadlines(incident).get(state="open")
    assert deadline.kind == Deadline.Kind.ROUND_THE_CLOCK and deadline.due_at == at(2026, 5, 11, 3, 40)


def test_default_round_the_clock_interval_is_4_hours(org):
    with time_machine.travel(at(2026, 5, 10, 22, 0), tick=False):
        incident = assessed(org, level=1, category="A")
    assert exchange_deadlines(incident).get(state="open").due_at == at(2026, 5, 11, 2, 0)


# --- Filing and archiving: only the office; an archive is read-only -----------------------------------------


def test_only_the_office_files_returns_and_archives(org):
    incident = submitted(org)
    for person in (org.p.xsc_head, org.p.xsc_liaison, org.p.leader, org.p.approver):
        with pytest.raises(NotAllowed):
            services.disposal_form_file(incident=incident, actor=person)
        with pytest.raises(NotAllowed):
            services.disposal_form_return(incident=incident, actor=person, comment="不行")
    incident = reviewed(org, filed(org))
    for person in (org.p.xsc_head, org.p.xsc_liaison, org.p.leader, org.p.top_leader):
        with pytest.raises(NotAllowed):
            services.incident_archive(incident=incident, actor=person)
    assert services.incident_archive(incident=incident, actor=org.p.clerk).status == Status.ARCHIVED


def test_a_returned_form_is_corrected_signed_again_and_resubmitted(org):
    incident = submitted(org)
    services.disposal_form_return(incident=incident, actor=org.p.clerk, comment="处置情况过于简略")
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.status == Status.RETURNED and incident.disposal_form.review_comment == "处置情况过于简略"
    services.disposal_form_save(
        incident=incident, actor=org.p.xsc_liaison, team_members="张三、李四", disposal_situation="详细经过……"
    )
    with pytest.raises(DomainError, match="签字"):
        services.disposal_form_submit(incident=incident, actor=org.p.xsc_liaison)
    services.disposal_form_sign(incident=incident, actor=org.p.xsc_head)
    services.disposal_form_submit(incident=incident, actor=org.p.xsc_liaison)
    assert Incident.objects.get(pk=incident.pk).status == Status.FORM_SUBMITTED


def test_an_archived_incident_is_read_only(org):
    incident = archived(org, level=2)
    statement = incident.statements.get()
    attempts = [
        lambda: services.incident_change_level(incident=incident, actor=org.p.clerk, to_level=1, reason="x"),
        lambda: services.progress_report_add(incident=incident, actor=org.p.xsc_liaison, content="x"),
        lambda: services.statement_save_draft(incident=incident, actor=org.p.xsc_liaison, text="x"),
        lambda: services.statement_publish(statement=statement, actor=org.p.xsc_liaison, where="x"),
        lambda: services.disposal_form_save(
            incident=incident, actor=org.p.xsc_liaison, team_members="x", disposal_situation="x"
        ),
        lambda: services.disposal_form_leader_opinion(incident=incident, actor=org.p.xsc_leader, opinion="x"),
        lambda: services.disposal_form_return(incident=incident, actor=org.p.clerk, comment="x"),
        lambda: services.incident_reassign(
            incident=incident, actor=org.p.clerk, department=org.rsc, reason="x"
        ),
        lambda: services.source_add(incident=incident, actor=org.p.clerk, platform="微博", url=""),
        lambda: services.incident_archive(incident=incident, actor=org.p.clerk),
    ]
    version = Incident.objects.get(pk=incident.pk).version
    for attempt in attempts:
        with pytest.raises(TransitionNotAllowed, match="已归档"):
            attempt()
    assert Incident.objects.get(pk=incident.pk).version == version


def test_an_archived_incident_has_no_open_deadline(org):
    incident = archived(org, level=3)
    assert not Deadline.objects.filter(incident=incident, state="open").exists()


def test_statement_needs_level_2_work_to_end_even_after_raise(org):
    incident = assessed(org, level=3)
    services.incident_change_level(incident=incident, actor=org.p.clerk, to_level=2, reason="发酵")
    with pytest.raises(DomainError, match="审定的回复通稿"):
        services.disposal_end(incident=incident, actor=org.p.xsc_liaison)
    approved_statement(org, incident)
    services.disposal_end(incident=incident, actor=org.p.xsc_liaison)


def test_a_second_report_on_an_already_covered_day_changes_no_deadline(org):
    with time_machine.travel(at(2026, 5, 10, 9, 0), tick=False):
        incident = assessed(org, level=2)
    with time_machine.travel(at(2026, 5, 10, 18, 0), tick=False):
        services.progress_report_add(incident=incident, actor=org.p.xsc_liaison, content="当天补充")
    # The report on the start day covers a day already covered; the next day's report is still due.
    deadline = Deadline.objects.get(incident=incident)
    assert deadline.state == Deadline.State.OPEN and deadline.due_at == at(2026, 5, 12, 0, 0)
