"""The 处置表's two people besides the department: the supervising leader's opinion (asked when the disposal ends,
needed to file, or waived by the office with a reason) and the head's signature (asked by the department)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from departments import services as dept_services
from incidents import services, worklist
from incidents.models import Deadline, DisposalForm, Incident, IncidentEvent, Status
from notifications.models import Notice
from opinion_system.errors import DomainError, NotAllowed
from reports.pdf.disposal_form import form_data
from tests.factories import assessed, ended, fresh, report, submitted
from tests.incidents.test_deadline_engine import deadline_notices, sweep_at

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def notice_to(incident, kind: str) -> set[str]:
    rows = Notice.objects.filter(incident=incident, kind=kind, channel=Notice.Channel.IN_APP)
    return set(rows.values_list("recipient__username", flat=True))


def opinion_deadline(incident) -> Deadline:
    return Deadline.objects.get(incident=incident, kind=Deadline.Kind.LEADER_OPINION)


# --- 报分管领导处置意见 --------------------------------------------------------------------------------------------


def test_the_end_of_disposal_asks_the_supervising_leader_for_his_opinion_with_a_deadline(org, settings):
    with time_machine.travel(at(2026, 5, 10, 9, 0), tick=False):
        incident = ended(org)
    assert notice_to(incident, "opinion_requested") == {"xsc_leader"}
    deadline = opinion_deadline(incident)
    assert deadline.state == Deadline.State.OPEN
    assert deadline.due_at == at(2026, 5, 10, 9, 0) + dt.timedelta(hours=settings.LEADER_OPINION_HOURS)
    services.disposal_form_leader_opinion(incident=incident, actor=org.p.xsc_leader, opinion="同意")
    deadline.refresh_from_db()
    assert deadline.state == Deadline.State.MET


def test_an_opinion_given_during_the_disposal_is_not_asked_again(org):
    incident = assessed(org)
    services.disposal_form_leader_opinion(incident=incident, actor=org.p.xsc_leader, opinion="妥善处置")
    incident = services.disposal_end(incident=incident, actor=org.p.xsc_liaison)
    assert not Deadline.objects.filter(incident=incident, kind=Deadline.Kind.LEADER_OPINION).exists()
    assert not notice_to(incident, "opinion_requested")


def test_a_department_without_a_supervising_leader_has_the_office_told(org):
    dept_services.department_set_supervising_leader(actor=org.p.root, department=org.xsc, leader=None)
    incident = ended(org)
    assert "office_clerk" in notice_to(incident, "opinion_requested")
    assert "xsc_leader" not in notice_to(incident, "opinion_requested")


def test_the_opinion_deadline_reminds_the_leader_then_tells_the_office_when_overdue(org, settings):
    with time_machine.travel(at(2026, 5, 10, 9, 0), tick=False):
        incident = ended(org)
    deadline = opinion_deadline(incident)
    due = deadline.due_at
    sweep_at(due - dt.timedelta(minutes=settings.DEADLINE_REMINDER_MINUTES["leader_opinion"]))
    assert deadline_notices(deadline) == {"reminder": {"xsc_leader"}}
    sweep_at(due + dt.timedelta(minutes=1))
    overdue = deadline_notices(deadline, "overdue")["overdue"]
    assert {"xsc_leader", "office_clerk"} <= overdue and "xsc_liaison" not in overdue
    sweep_at(due + dt.timedelta(minutes=settings.DEADLINE_ESCALATE_AFTER_MINUTES + 1))
    assert {"xsc_leader", "office_clerk"} <= deadline_notices(deadline, "escalation")["escalation"]


def test_filing_without_the_opinion_or_a_waiver_is_refused_in_chinese(org):
    incident = submitted(org)
    with pytest.raises(DomainError, match="报分管领导处置意见"):
        services.disposal_form_file(incident=incident, actor=org.p.clerk)
    assert Incident.objects.get(pk=incident.pk).status == Status.FORM_SUBMITTED


def test_the_opinion_may_come_after_the_form_was_submitted_and_then_it_files(org):
    incident = submitted(org)
    services.disposal_form_leader_opinion(incident=incident, actor=org.p.xsc_leader, opinion="同意备案")
    services.disposal_form_file(incident=incident, actor=org.p.clerk)
    assert Incident.objects.get(pk=incident.pk).status == Status.FILED


def test_the_office_may_waive_the_opinion_with_a_reason_and_it_is_recorded_and_printed(org):
    incident = submitted(org)
    with pytest.raises(DomainError, match="免填理由"):
        services.disposal_form_waive_opinion(incident=incident, actor=org.p.clerk, reason="  ")
    services.disposal_form_waive_opinion(incident=incident, actor=org.p.clerk, reason="分管院领导出国学习")
    form = DisposalForm.objects.get(incident=incident)
    assert form.opinion_waived_by == org.p.clerk and form.has_leader_opinion
    assert opinion_deadline(incident).state == Deadline.State.MET
    line = IncidentEvent.objects.get(incident=incident, kind=IncidentEvent.Kind.OPINION_WAIVED)
    assert line.reason == "分管院领导出国学习" and line.actor == org.p.clerk
    printed = form_data(Incident.objects.get(pk=incident.pk))
    assert "免填" in printed.leader_opinion and "分管院领导出国学习" in printed.leader_opinion
    services.disposal_form_file(incident=incident, actor=org.p.clerk)
    assert Incident.objects.get(pk=incident.pk).status == Status.FILED


def test_only_the_office_waives_and_not_over_an_opinion_already_given(org):
    incident = submitted(org)
    for who in (org.p.xsc_liaison, org.p.xsc_head, org.p.xsc_leader):
        with pytest.raises(NotAllowed):
            services.disposal_form_waive_opinion(incident=incident, actor=who, reason="外出")
    services.disposal_form_leader_opinion(incident=incident, actor=org.p.xsc_leader, opinion="同意")
    with pytest.raises(DomainError, match="已填写处置意见"):
        services.disposal_form_waive_opinion(incident=incident, actor=org.p.clerk, reason="外出")


def test_the_filing_page_says_what_is_missing_before_the_click(client, org):
    incident = submitted(org)
    client.force_login(org.p.clerk)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert 'id="no-leader-opinion"' in page and "待分管院领导填写" in page


# --- 请负责人签字 ------------------------------------------------------------------------------------------------


def _filled(org) -> Incident:
    incident = ended(org)
    services.disposal_form_save(
        incident=incident, actor=org.p.xsc_liaison, team_members="张三", disposal_situation="已回应"
    )
    return incident


def test_asking_the_head_to_sign_sends_him_a_notice_and_a_worklist_entry(org):
    incident = _filled(org)
    assert not [s for s in worklist.sections(user=fresh(org.p.xsc_head)) if s.key == "to_sign"]
    services.disposal_form_request_signature(incident=incident, actor=org.p.xsc_liaison)
    assert notice_to(incident, "signature_requested") == {"xsc_head"}
    [section] = [s for s in worklist.sections(user=fresh(org.p.xsc_head)) if s.key == "to_sign"]
    assert section.count == 1 and section.items[0].number == incident.number
    assert "xsc_liaison" in section.items[0].note and section.items[0].waited.endswith("分钟")
    assert worklist.counts(user=fresh(org.p.xsc_head))["to_sign"] == 1
    # Another department's head has nothing to sign.
    assert "to_sign" not in worklist.counts(user=fresh(org.p.rsc_head))
    services.disposal_form_sign(incident=incident, actor=org.p.xsc_head)
    assert "to_sign" not in worklist.counts(user=fresh(org.p.xsc_head))


def test_the_signature_is_asked_only_of_a_filled_unsigned_form_with_a_head(org):
    incident = ended(org)
    with pytest.raises(DomainError, match="舆情处置小组人员名单"):
        services.disposal_form_request_signature(incident=incident, actor=org.p.xsc_liaison)
    incident = _filled(org)
    with pytest.raises(NotAllowed):
        services.disposal_form_request_signature(incident=incident, actor=org.p.xsc_leader)
    dept_services.department_set_head(actor=org.p.root, department=org.xsc, head=None)
    with pytest.raises(DomainError, match="尚未设置部门负责人"):
        services.disposal_form_request_signature(incident=incident, actor=org.p.xsc_liaison)


def test_the_head_sees_the_count_in_the_navigation_and_the_entry_on_his_home_page(client, org):
    incident = _filled(org)
    services.disposal_form_request_signature(incident=incident, actor=org.p.xsc_liaison)
    client.force_login(org.p.xsc_head)
    page = client.get(reverse("incidents:home")).content.decode()
    waiting = worklist.counts(user=fresh(org.p.xsc_head))
    assert waiting == {"to_sign": 1, "to_submit": 1}  # he also acts for the department, whose form is due
    assert 'id="nav-worklist-count">2<' in page
    assert 'id="work-to_sign"' in page and incident.number in page


# --- everyone's worklist ---------------------------------------------------------------------------------------


def test_the_supervising_leader_sees_the_opinions_asked_of_him(org):
    incident = ended(org)
    [section] = [s for s in worklist.sections(user=fresh(org.p.xsc_leader)) if s.key == "to_give_opinion"]
    assert [item.number for item in section.items] == [incident.number] and section.items[0].due_at
    assert "to_give_opinion" not in worklist.counts(user=fresh(org.p.rsc_leader))


def test_the_office_and_the_approver_see_their_queues(org):
    new = report(org)
    incident = submitted(org)
    counts = worklist.counts(user=fresh(org.p.clerk))
    assert counts["to_assess"] == 1 and counts["to_file"] == 1 and "to_archive" not in counts
    sections = {s.key: s for s in worklist.sections(user=fresh(org.p.clerk))}
    assert [i.number for i in sections["to_assess"].items] == [new.number]
    assert [i.number for i in sections["to_file"].items] == [incident.number]
    statement_case = assessed(org, level=2)
    draft = services.statement_save_draft(incident=statement_case, actor=org.p.xsc_liaison, text="通稿")
    services.statement_submit(statement=draft, actor=org.p.xsc_liaison)
    assert worklist.counts(user=fresh(org.p.approver))["to_review"] == 1
    assert "to_review" not in worklist.counts(user=fresh(org.p.clerk))
    # The department's own work: the liaison has a form to submit once the disposal ended.
    assert worklist.counts(user=fresh(org.p.xsc_liaison)).get("to_submit") is None
    ended(org)
    assert worklist.counts(user=fresh(org.p.xsc_liaison))["to_submit"] == 1
    assert "to_submit" not in worklist.counts(user=fresh(org.p.rsc_liaison))


def test_leaders_never_land_in_the_admin(org):
    leader = fresh(org.p.leader)
    leader.is_staff = True
    leader.save()
    client = Client()
    client.force_login(leader)
    home = client.get(reverse("incidents:home")).content.decode()
    assert reverse("admin:index") not in home
    assert client.get(reverse("admin:index")).status_code == 302  # to the admin's login, not in
    clerk = fresh(org.p.clerk)
    clerk.is_staff = True
    clerk.save()
    client.force_login(clerk)
    assert reverse("admin:index") in client.get(reverse("incidents:home")).content.decode()


def test_the_navigation_count_is_remembered_until_the_work_changes(
    org, monkeypatch, django_capture_on_commit_callbacks
):
    """The count on every page is kept between requests, and a committed change shows at once (worklist.work_changed)."""
    monkeypatch.setattr(worklist, "COUNTS_CACHE_SECONDS", 30)
    cache.delete_many([worklist.GENERATION_KEY, f"worklist:counts:{org.p.clerk.pk}"])
    assert "to_assess" not in worklist.counts(user=fresh(org.p.clerk))
    # A row written behind the services' back changes nothing remembered: the count is not read again ...
    Incident.objects.filter(pk=report(org).pk).update(title="未经服务修改")
    with django_capture_on_commit_callbacks(execute=False):
        new = report(org)  # ... nor by a change not yet committed.
    assert "to_assess" not in worklist.counts(user=fresh(org.p.clerk))
    with django_capture_on_commit_callbacks(execute=True):
        services.incident_assess(incident=new, actor=org.p.clerk, category="C", level=3,
                                 responsible_department=org.xsc, reason="一般")  # fmt: skip
    assert worklist.counts(user=fresh(org.p.clerk))["to_assess"] == 1  # the first report, still waiting
    # The count is kept per person, and while Redis is down it is counted live.
    assert worklist.counts(user=fresh(org.p.approver)) == {}
    monkeypatch.setattr(cache, "get_many", lambda *a, **k: {})
    monkeypatch.setattr(cache, "set", lambda *a, **k: None)
    with django_capture_on_commit_callbacks(execute=False):
        report(org)
    assert worklist.counts(user=fresh(org.p.clerk))["to_assess"] == 2
