"""Departments, roles, liaison registration (第五条) and official media accounts (第十三条)."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from departments import services
from departments.access import roles_of
from departments.models import Department, Liaison, OfficialMediaAccount
from departments.roles import Role
from departments.selectors import role_group
from opinion_system.errors import DomainError, NotAllowed
from tests.factories import fresh, report


def test_every_role_is_a_group_created_by_migration(db):
    assert {role_group(r).name for r in Role} == {str(r.label) for r in Role}


def test_office_group_can_use_the_admin_registers_but_liaisons_have_no_model_permission(db):
    office = role_group(Role.OFFICE)
    assert office.permissions.filter(codename="change_liaison").exists()
    assert not role_group(Role.LIAISONS).permissions.exists()


def test_only_one_office_department(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        Department.objects.create(name="另一个办公室", code="other", duty=Department.Duty.OFFICE)


def test_head_supervising_leader_and_liaison_roles_follow_the_records(org):
    assert Role.DEPARTMENT_HEADS in roles_of(fresh(org.p.xsc_head))
    assert Role.SUPERVISING_LEADERS in roles_of(fresh(org.p.xsc_leader))
    assert Role.LIAISONS in roles_of(fresh(org.p.xsc_liaison))
    services.department_set_head(actor=org.p.root, department=org.xsc, head=org.p.xsc_staff)
    assert Role.DEPARTMENT_HEADS not in roles_of(fresh(org.p.xsc_head))
    assert Role.DEPARTMENT_HEADS in roles_of(fresh(org.p.xsc_staff))


def test_only_office_or_admin_registers_liaisons(org):
    for person in (org.p.xsc_head, org.p.leader, org.p.approver):
        with pytest.raises(NotAllowed):
            services.liaison_register(actor=person, department=org.xsc, user=org.p.xsc_staff)


def test_registration_records_who_and_when(org):
    liaison = services.liaison_register(
        actor=org.p.clerk, department=org.xsc, user=org.p.xsc_staff, phone="123"
    )
    assert liaison.status == Liaison.Status.REGISTERED
    assert liaison.registered_by == org.p.clerk and liaison.registered_at is not None
    assert liaison.history.first().history_user == org.p.clerk


def test_a_department_may_have_several_liaisons(org):
    services.liaison_register(actor=org.p.clerk, department=org.xsc, user=org.p.xsc_staff)
    assert org.xsc.liaisons.filter(status=Liaison.Status.REGISTERED).count() == 2


def test_appointed_roles_only(org):
    with pytest.raises(DomainError):
        services.user_set_roles(actor=org.p.root, user=org.p.xsc_staff, roles=[Role.LIAISONS])


def _account(org, editor: Liaison, department=None) -> OfficialMediaAccount:
    return OfficialMediaAccount(
        platform=OfficialMediaAccount.Platform.WECHAT,
        name="学生处微信公众号",
        department=department or org.xsc,
        editor=editor,
    )


def test_media_account_editor_must_be_a_registered_liaison_of_its_department(org):
    xsc_liaison = Liaison.objects.get(user=org.p.xsc_liaison, department=org.xsc)
    rsc_liaison = Liaison.objects.get(user=org.p.rsc_liaison, department=org.rsc)
    with pytest.raises(DomainError, match="第十三条"):
        services.media_account_save(actor=org.p.clerk, account=_account(org, rsc_liaison))
    saved = services.media_account_save(actor=org.p.clerk, account=_account(org, xsc_liaison))
    assert saved.pk and saved.editor == xsc_liaison


def test_media_account_editor_must_be_registered_not_pending(org):
    pending = services.liaison_propose(actor=org.p.xsc_head, department=org.xsc, user=org.p.xsc_staff)
    with pytest.raises(DomainError, match="备案"):
        services.media_account_save(actor=org.p.clerk, account=_account(org, pending))
    with pytest.raises(ValidationError):
        _account(org, pending).full_clean()


def test_a_liaison_holding_an_account_cannot_be_deactivated(org):
    liaison = Liaison.objects.get(user=org.p.xsc_liaison, department=org.xsc)
    services.media_account_save(actor=org.p.clerk, account=_account(org, liaison))
    with pytest.raises(DomainError, match="官方媒体账号"):
        services.liaison_deactivate(actor=org.p.clerk, liaison=liaison, reason="调岗")
    assert Liaison.objects.get(pk=liaison.pk).status == Liaison.Status.REGISTERED


def test_roles_of_reads_the_role_of_each_group(org, django_assert_num_queries):
    # One query per user object; a group that is no role gives none, a person in several roles has them all.
    stray = Group.objects.create(name="不是角色的组")
    org.p.xsc_liaison.groups.add(stray)
    services.user_set_roles(
        actor=org.p.secadmin, user=org.p.leader, roles=[Role.LEADERSHIP, Role.TOP_LEADERS]
    )
    for person in vars(org.p).values():
        groups = fresh(person).groups.all()
        expected = {Role(g.role.code) for g in groups if hasattr(g, "role")}
        assert roles_of(fresh(person)) == expected, person.username
    assert roles_of(fresh(org.p.leader)) >= {Role.LEADERSHIP, Role.TOP_LEADERS}
    leader = fresh(org.p.leader)
    with django_assert_num_queries(1):
        roles_of(leader), roles_of(leader)


def test_a_renamed_role_group_keeps_its_rights(client, org):
    # The group name is what the administrator reads and may change; the program goes by the role's code.
    office = role_group(Role.OFFICE)
    office.name = "舆情办公室"
    office.save()
    assert Role.OFFICE in roles_of(fresh(org.p.clerk))
    incident = report(org, title="改名后仍可研判")
    client.force_login(org.p.clerk)
    assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 200
    assert client.get(reverse("departments:liaisons")).status_code == 200
    services.user_set_roles(actor=org.p.secadmin, user=org.p.xsc_staff, roles=[Role.OFFICE])
    assert Role.OFFICE in roles_of(fresh(org.p.xsc_staff))
    assert fresh(org.p.xsc_staff).groups.get().name == "舆情办公室"
