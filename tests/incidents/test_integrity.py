"""Integrity: numbers, concurrent edits, no deletes, the case log and history with the acting user."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import ProtectedError

from incidents import services
from incidents.models import DisposalForm, Incident, IncidentEvent, Status
from opinion_system.errors import DomainError, StaleObject
from tests.factories import assessed, ended, report

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_numbers_are_sequential_per_shanghai_year(org):
    # 31 Dec 17:00 UTC is already 1 January in Shanghai: a new year's numbering.
    with time_machine.travel(dt.datetime(2026, 12, 31, 15, 0, tzinfo=dt.UTC), tick=False):
        first = report(org)
        second = report(org)
    with time_machine.travel(dt.datetime(2026, 12, 31, 17, 0, tzinfo=dt.UTC), tick=False):
        third = report(org)
    assert [first.number, second.number] == ["YQ-2026-0001", "YQ-2026-0002"]
    assert third.number == "YQ-2027-0001"


def test_a_stale_form_does_not_overwrite_a_newer_change(org):
    incident = assessed(org, level=3)
    opened_at = incident.version
    services.incident_change_level(incident=incident, actor=org.p.clerk, to_level=2, reason="扩散")
    with pytest.raises(StaleObject, match="已被他人修改"):
        services.incident_change_level(
            incident=incident,
            actor=org.p.clerk,
            to_level=1,
            reason="另一人的判断",
            expected_version=opened_at,
        )
    assert Incident.objects.get(pk=incident.pk).level == 2


def test_a_stale_disposal_form_is_refused(org):
    incident = ended(org)
    form = services.disposal_form_save(
        incident=incident, actor=org.p.xsc_liaison, team_members="张三", disposal_situation="甲"
    )
    services.disposal_form_save(
        incident=incident,
        actor=org.p.xsc_head,
        team_members="张三",
        disposal_situation="乙",
        expected_version=form.version,
    )
    with pytest.raises(StaleObject):
        services.disposal_form_save(
            incident=incident, actor=org.p.xsc_liaison, team_members="张三", disposal_situation="丙",
            expected_version=form.version,
        )  # fmt: skip
    assert DisposalForm.objects.get(incident=incident).disposal_situation == "乙"


def test_double_submit_of_a_transition_is_refused_and_harmless(org):
    incident = assessed(org, level=3)
    services.disposal_end(incident=incident, actor=org.p.xsc_liaison)
    with pytest.raises(DomainError):
        services.disposal_end(incident=incident, actor=org.p.xsc_liaison)
    assert incident.deadlines.filter(kind="filing").count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_never_share_a_number(org):
    numbers, errors = [], []

    def worker():
        try:
            numbers.append(report(org).number)
        except Exception as exc:  # pragma: no cover - shown in the assertion
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(numbers)) == 6


def test_incidents_are_never_deleted(org):
    incident = report(org)
    with pytest.raises(ProtectedError):
        incident.delete()  # its case log protects it
    with pytest.raises(ProtectedError):
        org.xsc.delete()  # a department with incidents stays
    codenames = Permission.objects.filter(content_type__app_label="incidents").values_list(
        "codename", flat=True
    )
    assert "delete_incident" not in codenames


def test_escalation_leaves_a_case_log_and_history_naming_who_and_why(org):
    incident = assessed(org, level=3)
    services.incident_change_level(incident=incident, actor=org.p.clerk, to_level=2, reason="贴吧热帖")
    event = IncidentEvent.objects.filter(incident=incident, kind=IncidentEvent.Kind.LEVEL_CHANGED).get()
    assert event.actor == org.p.clerk and event.reason == "贴吧热帖"
    history = Incident.objects.get(pk=incident.pk).history.all()
    users = {h.history_user_id for h in history}
    assert {org.p.xsc_liaison.pk, org.p.clerk.pk} <= users
    assert any("贴吧热帖" in (h.history_change_reason or "") for h in history)


def test_history_names_the_actor_outside_a_request(org):
    # Services stamp the user themselves, so a task or a command leaves the same trace as a page.
    incident = report(org, reporter=org.p.xsc_staff)
    assert incident.history.get().history_user == org.p.xsc_staff
    assert incident.sources.get().history.get().history_user == org.p.xsc_staff


def test_report_needs_a_source_and_a_past_discovery_time(org):
    with pytest.raises(DomainError, match="媒体名称或网址"):
        report(org, sources=[("", "")])
    with pytest.raises(DomainError, match="发现时间"):
        report(org, discovered_at=dt.datetime(2099, 1, 1, tzinfo=SHANGHAI))
    assert not Incident.objects.exists()


def test_report_notifies_the_office_and_the_department_at_once(org):
    incident = report(org, reporter=org.p.xsc_staff)
    recipients = set(incident.notices.values_list("recipient__username", flat=True))
    assert {"office_clerk", "xsc_head", "xsc_liaison"} <= recipients
    assert "xsc_staff" not in recipients and "rsc_liaison" not in recipients


def test_merge_keeps_the_duplicate_linked_and_read_only(org):
    original = assessed(org, level=3)
    duplicate = report(org, reporter=org.p.xsc_staff)
    services.incident_merge(incident=duplicate, into=original, actor=org.p.clerk, reason="同一事件")
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED and duplicate.merged_into == original
    assert original.events.filter(kind=IncidentEvent.Kind.MERGED).exists()


def test_history_is_dated_by_the_workflow_clock(org):
    from opinion_system import clock

    moment = dt.datetime(2026, 2, 1, 10, 0, tzinfo=SHANGHAI)
    with clock.travel(moment):
        incident = report(org, discovered_at=moment - dt.timedelta(hours=1))
    recorded = incident.history.get().history_date
    assert abs((recorded - moment).total_seconds()) < 5
