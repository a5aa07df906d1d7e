"""Who sees what (第三条–第五条, 属地管理、分级负责): the permission matrix, and the outsider's 404."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from guardian.shortcuts import assign_perm, get_objects_for_user

from departments import services as dept_services
from departments.models import Department, User
from incidents import access, services
from incidents.workflow import Action
from opinion_system.errors import NotAllowed
from tests.factories import assessed, fresh, report

ALL_PEOPLE = [
    "clerk", "approver", "leader", "top_leader", "xsc_head", "xsc_liaison", "xsc_leader", "rsc_head",
    "rsc_liaison", "rsc_leader", "xsc_staff", "outsider", "sysadmin",
]  # fmt: skip


@pytest.fixture
def cases(org):
    """An incident of 学生处, one of 人事处, and one of 学生处 whose statement went to 党政办."""
    xsc_case = assessed(org, level=3, department=org.xsc)
    rsc_case = services.incident_assess(
        incident=report(org, reporter=org.p.rsc_liaison, title="人事处案例"),
        actor=org.p.clerk,
        category="D",
        level=3,
        responsible_department=org.rsc,
    )
    statement_case = assessed(org, level=2, department=org.xsc)
    draft = services.statement_save_draft(incident=statement_case, actor=org.p.xsc_liaison, text="通稿")
    services.statement_submit(statement=draft, actor=org.p.xsc_liaison)
    return {"xsc": xsc_case, "rsc": rsc_case, "statement": statement_case}


EXPECTED = {
    # person: the cases they see
    "clerk": {"xsc", "rsc", "statement"},
    "leader": {"xsc", "rsc", "statement"},
    "top_leader": {"xsc", "rsc", "statement"},
    "approver": {"statement"},
    "xsc_head": {"xsc", "statement"},
    "xsc_liaison": {"xsc", "statement"},
    "xsc_leader": {"xsc", "statement"},
    "rsc_head": {"rsc"},
    "rsc_liaison": {"rsc"},
    "rsc_leader": {"rsc"},
    "xsc_staff": set(),
    "outsider": set(),
    "sysadmin": set(),
}


@pytest.mark.parametrize("who", ALL_PEOPLE)
def test_permission_matrix(org, cases, who):
    user = fresh(getattr(org.p, who))
    seen = {
        name for name, case in cases.items() if access.incidents_visible_to(user).filter(pk=case.pk).exists()
    }
    assert seen == EXPECTED[who]
    for name, case in cases.items():
        assert access.can_view(user, case) == (name in EXPECTED[who])
        if name in EXPECTED[who]:
            assert access.access_incident(user, case.pk).pk == case.pk
        else:
            with pytest.raises(Http404):
                access.access_incident(user, case.pk)


@pytest.mark.parametrize("who", ALL_PEOPLE)
def test_detail_page_shows_or_404s_exactly_as_the_matrix(client, org, cases, who):
    client.force_login(getattr(org.p, who))
    for name, case in cases.items():
        response = client.get(reverse("incidents:detail", args=[case.pk]))
        assert response.status_code == (200 if name in EXPECTED[who] else 404), name


def test_anonymous_is_sent_to_login(client, org, cases):
    response = client.get(reverse("incidents:detail", args=[cases["xsc"].pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert client.get(reverse("incidents:home")).status_code == 302


def test_a_forged_or_missing_id_is_404(org):
    for pk in (999999, "abc", None, -1):
        with pytest.raises(Http404):
            access.access_incident(org.p.clerk, pk)


def test_reporter_sees_their_own_report(org):
    incident = report(org, reporter=org.p.xsc_staff)
    assert access.can_view(fresh(org.p.xsc_staff), incident)
    assert not access.can_view(fresh(org.p.outsider), incident)


def test_reassigning_moves_who_can_see_it(org):
    incident = assessed(org, level=3, department=org.xsc)
    services.incident_reassign(
        incident=incident, actor=org.p.clerk, department=org.rsc, reason="属人事处职责"
    )
    incident.refresh_from_db()
    assert access.can_view(fresh(org.p.rsc_liaison), incident)
    assert not access.can_view(fresh(org.p.xsc_head), incident)
    assert access.may(fresh(org.p.rsc_liaison), Action.REPORT_PROGRESS, incident)
    assert not access.may(fresh(org.p.xsc_liaison), Action.REPORT_PROGRESS, incident)


def test_a_model_level_permission_does_not_open_every_department(org):
    # guardian's default would return every row for a global permission; the access module refuses that.
    incident = assessed(org, level=3, department=org.xsc)
    outsider = org.p.outsider
    for codename in ("view_department_incidents", "act_department_incidents"):
        outsider.user_permissions.add(Permission.objects.get(codename=codename))
    outsider = fresh(outsider)
    assert outsider.has_perm("departments.view_department_incidents")
    assert not access.can_view(outsider, incident)
    assert not access.incidents_visible_to(outsider).exists()


def test_leaders_are_not_superusers(org):
    for person in (org.p.leader, org.p.top_leader, org.p.xsc_leader):
        assert not person.is_superuser


def test_a_pending_liaison_cannot_act(org):
    newcomer = fresh(org.p.xsc_staff)
    dept_services.liaison_propose(actor=org.p.xsc_head, department=org.xsc, user=newcomer)
    incident = assessed(org, level=3, department=org.xsc)
    assert not access.may(fresh(newcomer), Action.REPORT_PROGRESS, incident)
    dept_services.liaison_register(actor=org.p.clerk, department=org.xsc, user=newcomer)
    assert access.may(fresh(newcomer), Action.REPORT_PROGRESS, incident)


def test_a_deactivated_liaison_loses_access(org):
    incident = services.incident_assess(
        incident=report(org, reporter=org.p.xsc_head),
        actor=org.p.clerk,
        category="C",
        level=3,
        responsible_department=org.xsc,
    )
    assert access.can_view(fresh(org.p.xsc_liaison), incident)
    liaison = org.xsc.liaisons.get(user=org.p.xsc_liaison)
    dept_services.liaison_deactivate(actor=org.p.clerk, liaison=liaison, reason="调岗")
    assert not access.can_view(fresh(org.p.xsc_liaison), incident)
    assert not access.may(fresh(org.p.xsc_liaison), Action.REPORT_PROGRESS, incident)


def test_changing_the_head_moves_the_heads_rights(org):
    incident = assessed(org, level=3, department=org.xsc)
    dept_services.department_set_head(actor=org.p.root, department=org.xsc, head=org.p.xsc_staff)
    incident.refresh_from_db()
    assert access.may(fresh(org.p.xsc_staff), Action.SIGN_FORM, incident)
    assert not access.can_view(fresh(org.p.xsc_head), incident)


def test_another_departments_liaison_cannot_act_even_with_a_guessed_id(org):
    incident = assessed(org, level=3, department=org.xsc)
    with pytest.raises(Http404):
        access.access_incident(fresh(org.p.rsc_liaison), incident.pk, Action.REPORT_PROGRESS)
    with pytest.raises(NotAllowed):
        services.progress_report_add(incident=incident, actor=fresh(org.p.rsc_liaison), content="冒充")


def test_visible_but_not_allowed_is_403(org):
    incident = assessed(org, level=3, department=org.xsc)
    with pytest.raises(PermissionDenied):
        access.access_incident(fresh(org.p.xsc_leader), incident.pk, Action.REPORT_PROGRESS)


def test_supervising_leader_gives_the_opinion_and_no_one_else_of_another_department(org):
    incident = assessed(org, level=3, department=org.xsc)
    assert access.may(fresh(org.p.xsc_leader), Action.LEADER_OPINION, incident)
    assert access.may(fresh(org.p.leader), Action.LEADER_OPINION, incident)
    assert not access.may(fresh(org.p.rsc_leader), Action.LEADER_OPINION, incident)
    assert not access.may(fresh(org.p.xsc_liaison), Action.LEADER_OPINION, incident)
    form = services.disposal_form_leader_opinion(
        incident=incident, actor=org.p.xsc_leader, opinion="妥善处理"
    )
    assert form.leader_opinion_by == org.p.xsc_leader and form.leader_opinion_at is not None


def test_only_the_office_assesses(org):
    incident = report(org)
    for person in (org.p.xsc_head, org.p.leader, org.p.approver, org.p.top_leader):
        with pytest.raises(NotAllowed):
            services.incident_assess(
                incident=incident, actor=fresh(person), category="C", level=3, responsible_department=org.xsc
            )


def test_guardian_grants_live_on_the_department(org):
    # One door: grants are made by departments.services; a grant on another department gives nothing here.
    incident = assessed(org, level=3, department=org.xsc)
    assign_perm(
        "departments.view_department_incidents", org.p.outsider, Department.objects.get(pk=org.rsc.pk)
    )
    assert not access.can_view(fresh(org.p.outsider), incident)


def test_staff_report_to_their_own_department_only(org):
    with pytest.raises(NotAllowed, match="本部门"):
        report(org, reporter=org.p.xsc_staff, department=org.rsc)
    assert report(org, reporter=org.p.clerk, department=org.rsc).reporting_department == org.rsc
    assert report(org, reporter=org.p.xsc_staff).reporting_department == org.xsc


def test_department_ids_give_guardians_answer_for_every_kind_of_person(org):
    # department_ids reads guardian's model in one query for both permissions (not get_objects_for_user, one per
    # permission); for each kind of person it must give exactly what guardian gave with accept_global_perms=False and
    # with_superuser=False, and nothing for an inactive account.
    superuser = User.objects.get(username="root")
    assign_perm("departments.act_department_incidents", superuser, Department.objects.get(pk=org.rsc.pk))
    global_perm = org.p.xsc_staff
    global_perm.user_permissions.add(Permission.objects.get(codename="view_department_incidents"))
    inactive = org.p.rsc_head  # keeps the grants the services gave, but may no longer sign in
    User.objects.filter(pk=inactive.pk).update(is_active=False)
    people = [org.p.xsc_liaison, org.p.xsc_head, org.p.xsc_leader, org.p.rsc_liaison, org.p.rsc_leader,
              org.p.outsider, org.p.clerk, inactive, superuser, global_perm]  # fmt: skip
    seen = set()
    for person in people:
        person = fresh(person)
        for perm in (access.VIEW_PERM, access.ACT_PERM):
            theirs = get_objects_for_user(
                person, perm, klass=Department, accept_global_perms=False, with_superuser=False
            )
            expected = frozenset(theirs.values_list("pk", flat=True)) if person.is_active else frozenset()
            assert access.department_ids(person, perm) == expected, (person.username, perm)
            seen.add(bool(expected))
    assert seen == {True, False}  # both kinds of answer were compared
    assert access.department_ids(fresh(org.p.xsc_leader), access.VIEW_PERM) == {org.xsc.pk}
    assert access.department_ids(fresh(org.p.xsc_leader), access.ACT_PERM) == frozenset()
    assert access.department_ids(fresh(superuser), access.ACT_PERM) == {org.rsc.pk}


def test_department_rights_are_granted_to_people_not_groups(org):
    # departments.services grants department rights only to users; an object permission given to a group (by hand)
    # is not a department right, so department_ids does not read guardian's group table.
    group = Group.objects.create(name="手工组")
    org.p.outsider.groups.add(group)
    assign_perm("departments.view_department_incidents", group, Department.objects.get(pk=org.xsc.pk))
    assert access.department_ids(fresh(org.p.outsider), access.VIEW_PERM) == frozenset()


def test_department_ids_are_read_in_one_query_for_both_permissions(org, django_assert_num_queries):
    liaison = fresh(org.p.xsc_liaison)
    with django_assert_num_queries(1):
        assert access.department_ids(liaison, access.VIEW_PERM) == {org.xsc.pk}
        assert access.department_ids(liaison, access.ACT_PERM) == {org.xsc.pk}
