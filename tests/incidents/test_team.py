"""舆情处置小组 (附件 处置表「舆情处置小组人员名单」): chosen by the office or the responsible department; a member who
is a user sees and acts on the incident as its department does; the form's row is filled from the team."""

import pytest
from django.urls import reverse

from incidents import access, services
from incidents.models import DisposalTeamMember, Incident, IncidentEvent
from incidents.services import TeamRow
from incidents.workflow import Action
from opinion_system.errors import DomainError, NotAllowed, TransitionNotAllowed
from reports.pdf.disposal_form import form_data
from tests.factories import archived, assessed, fresh, report, submitted

LEADER, MEMBER = DisposalTeamMember.Role.LEADER, DisposalTeamMember.Role.MEMBER


def team(org, incident, *rows, actor=None):
    return services.team_save(incident=incident, actor=actor or org.p.xsc_liaison, rows=list(rows))


def test_a_team_member_sees_and_acts_on_the_incident_as_its_department_does(org):
    incident = assessed(org)
    outsider = org.p.outsider  # 人事处: another department
    assert not access.can_view(fresh(outsider), incident)
    assert not access.incidents_visible_to(fresh(outsider)).filter(pk=incident.pk).exists()
    team(
        org,
        incident,
        TeamRow(LEADER, user=org.p.xsc_head),
        TeamRow(MEMBER, user=outsider, phone="13800000000"),
    )
    outsider = fresh(outsider)
    assert access.can_view(outsider, incident)
    assert list(access.incidents_visible_to(outsider).filter(pk=incident.pk)) == [incident]
    for action in (Action.REPORT_PROGRESS, Action.EDIT_FORM, Action.ADD_EVIDENCE, Action.END_DISPOSAL):
        assert access.may(outsider, action, incident), action
    # The team is chosen for them: members do not choose each other; the office's work stays the office's.
    for action in (Action.EDIT_TEAM, Action.ASSESS, Action.FILE):
        assert not access.may(outsider, action, incident), action
    services.progress_report_add(incident=incident, actor=outsider, content="已约谈发帖学生")
    assert incident.progress_reports.get().author == outsider


def test_a_removed_member_gets_404_again(org, client):
    incident = assessed(org)
    team(org, incident, TeamRow(MEMBER, user=org.p.outsider))
    client.force_login(org.p.outsider)
    assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 200
    team(org, incident, TeamRow(MEMBER, name="王老师", unit="校外专家"))
    assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 404
    assert not access.incidents_visible_to(fresh(org.p.outsider)).filter(pk=incident.pk).exists()
    with pytest.raises(NotAllowed):
        services.progress_report_add(incident=incident, actor=fresh(org.p.outsider), content="x")


def test_the_office_and_the_department_choose_the_team_nobody_else(org):
    incident = assessed(org)
    team(org, incident, TeamRow(MEMBER, name="甲"), actor=org.p.clerk)
    team(org, incident, TeamRow(MEMBER, name="乙"), actor=org.p.xsc_head)
    for person in (org.p.rsc_liaison, org.p.leader, org.p.xsc_staff, org.p.approver):
        with pytest.raises(NotAllowed):
            team(org, incident, TeamRow(MEMBER, name="丙"), actor=person)
    team(org, incident, TeamRow(MEMBER, user=org.p.outsider))
    with pytest.raises(NotAllowed, match="调整处置小组"):
        team(org, incident, TeamRow(MEMBER, name="丁"), actor=fresh(org.p.outsider))


def test_the_team_is_checked_and_its_change_logged(org):
    incident = assessed(org)
    with pytest.raises(DomainError, match="只能有一名组长"):
        team(org, incident, TeamRow(LEADER, name="甲"), TeamRow(LEADER, name="乙"))
    with pytest.raises(DomainError, match="出现两次"):
        team(org, incident, TeamRow(MEMBER, user=org.p.outsider), TeamRow(LEADER, user=org.p.outsider))
    with pytest.raises(DomainError, match="选择系统用户或填写姓名"):
        team(org, incident, TeamRow(MEMBER))
    team(org, incident, TeamRow(LEADER, user=org.p.xsc_head), TeamRow(MEMBER, user=org.p.outsider))
    line = incident.events.get(kind=IncidentEvent.Kind.TEAM_CHANGED)
    assert "2 人" in line.message and line.actor == org.p.xsc_liaison
    assert org.p.outsider.notices.filter(kind="team_joined").exists()


def test_the_team_changes_with_the_form_and_not_after_it_was_submitted(org):
    incident = submitted(org)
    with pytest.raises(TransitionNotAllowed):
        team(org, incident, TeamRow(MEMBER, name="甲"))
    with pytest.raises(TransitionNotAllowed):
        team(org, report(org), TeamRow(MEMBER, name="甲"), actor=org.p.clerk)


def test_a_team_change_after_the_head_signed_voids_the_signature(org):
    incident = assessed(org)
    with pytest.raises(DomainError, match="舆情处置小组人员名单"):
        services.disposal_form_sign(incident=incident, actor=org.p.xsc_head)
    team(org, incident, TeamRow(LEADER, user=org.p.xsc_head))  # the recorded team fills the form's row
    services.disposal_form_save(
        incident=incident, actor=org.p.xsc_liaison, team_members="", disposal_situation="x"
    )
    services.disposal_form_sign(incident=incident, actor=org.p.xsc_head)
    team(org, incident, TeamRow(LEADER, user=org.p.xsc_head), TeamRow(MEMBER, name="王老师"))
    assert Incident.objects.get(pk=incident.pk).disposal_form.head_signed_by is None


def test_the_disposal_forms_team_row_is_filled_from_the_team(org):
    incident = assessed(org)
    team(
        org,
        incident,
        TeamRow(MEMBER, name="王老师", unit="校外专家", phone="13900000000"),
        TeamRow(LEADER, user=org.p.xsc_head, unit="学生处"),
    )
    row = form_data(
        Incident.objects.select_related("responsible_department").get(pk=incident.pk)
    ).team_members
    assert row == "组长：xsc_head（学生处）；成员：王老师（校外专家，13900000000）"


def test_the_team_is_edited_with_a_formset_on_the_page(org, client):
    incident = assessed(org)
    client.force_login(org.p.xsc_liaison)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert 'data-action="team"' in page and 'name="member-TOTAL_FORMS"' in page
    assert 'id="team-member-0-name"' in page
    data = {
        "version": incident.version,
        "token": "team-1",
        "member-TOTAL_FORMS": "2",
        "member-INITIAL_FORMS": "0",
        "member-MIN_NUM_FORMS": "0",
        "member-MAX_NUM_FORMS": "30",
        "member-0-role": "leader",
        "member-0-account": "xsc_head",
        "member-0-phone": "0813-1234567",
        "member-1-role": "member",
        "member-1-name": "王老师",
        "member-1-unit": "校外专家",
    }
    assert client.post(reverse("incidents:action", args=[incident.pk, "team"]), data).status_code == 302
    assert [m.display_name for m in incident.team_members.all()] == ["xsc_head", "王老师"]
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert 'id="disposal-team"' in page and "王老师" in page and 'value="王老师"' in page
    assert 'value="xsc_head"' in page  # the form starts from the team as recorded
    # Deleting a row removes the member; a row without user or name is refused with a Chinese message.
    data.update({"token": "team-2", "version": Incident.objects.get(pk=incident.pk).version})
    data.update({"member-INITIAL_FORMS": "2", "member-1-DELETE": "on"})
    assert client.post(reverse("incidents:action", args=[incident.pk, "team"]), data).status_code == 302
    assert [m.display_name for m in incident.team_members.all()] == ["xsc_head"]
    bad = {**data, "token": "team-3", "version": Incident.objects.get(pk=incident.pk).version}
    bad.update({"member-1-DELETE": "", "member-1-name": "", "member-1-unit": "校外"})
    refused = client.post(reverse("incidents:action", args=[incident.pk, "team"]), bad)
    assert (
        refused.status_code == 400
        and "请填写校内人员的系统账号，或校外人员的姓名" in refused.content.decode()
    )
    bad.update({"token": "team-4", "member-1-account": "no_such_user"})
    refused = client.post(reverse("incidents:action", args=[incident.pk, "team"]), bad)
    assert refused.status_code == 400 and "没有启用的系统账号“no_such_user”" in refused.content.decode()
    assert [m.display_name for m in incident.team_members.all()] == ["xsc_head"]


def test_the_list_pages_queries_stay_constant_for_a_team_member(org, client, django_assert_num_queries):
    member = org.p.outsider
    first = assessed(org)
    team(org, first, TeamRow(MEMBER, user=member))
    client.force_login(member)
    url = reverse("incidents:list")
    client.get(url)
    with django_assert_num_queries(LIST_QUERIES):
        page = client.get(url).content.decode()
    assert first.number in page
    for _ in range(3):
        team(org, assessed(org), TeamRow(MEMBER, user=member))
    with django_assert_num_queries(LIST_QUERIES):
        page = client.get(url).content.decode()
    assert page.count('href="/incidents/') >= 4


LIST_QUERIES = 8


def test_an_archived_incidents_team_is_read_only(org):
    incident = archived(org)
    with pytest.raises(TransitionNotAllowed, match="已归档"):
        team(org, incident, TeamRow(MEMBER, name="甲"), actor=org.p.clerk)
