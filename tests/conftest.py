"""Named people for each role, as the regulation names them."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group

from departments import services as dept_services
from departments.models import Department, User
from departments.roles import Role, group_name
from tests.factories import fresh


@pytest.fixture
def org(db):
    """The college: the office, 党政办, 学生处 and 人事处, with the people of every role."""
    # A transactional test elsewhere may have flushed what the migrations created; the roles must exist.
    for role in Role:
        Group.objects.get_or_create(name=group_name(role))
    root = User.objects.create_superuser("root", password="x")

    def dept(name, code, **kw):
        return dept_services.department_save(actor=root, department=Department(name=name, code=code, **kw))

    office = dept("党群工作部", "dqgzb", duty=Department.Duty.OFFICE)
    admin_office = dept("党政办", "dzb", duty=Department.Duty.ADMIN_OFFICE)
    xsc = dept("学生处", "xsc")
    rsc = dept("人事处", "rsc")

    def person(username, department=None, roles=()):
        user = User.objects.create_user(username, password="pw", full_name=username, department=department)
        if roles:
            dept_services.user_set_roles(actor=root, user=user, roles=roles)
        return fresh(user)

    people = SimpleNamespace(
        root=root,
        clerk=person("office_clerk", office, [Role.OFFICE]),
        approver=person("dzb_approver", admin_office, [Role.ADMIN_OFFICE]),
        leader=person("leader", None, [Role.LEADERSHIP]),
        top_leader=person("top_leader", None, [Role.TOP_LEADERS]),
        xsc_head=person("xsc_head", xsc),
        xsc_liaison=person("xsc_liaison", xsc),
        xsc_leader=person("xsc_leader"),
        rsc_head=person("rsc_head", rsc),
        rsc_liaison=person("rsc_liaison", rsc),
        rsc_leader=person("rsc_leader"),
        xsc_staff=person("xsc_staff", xsc),
        outsider=person("outsider", rsc),
        sysadmin=person("sysadmin", None, [Role.SYSTEM_ADMIN]),
    )
    dept_services.department_set_head(actor=root, department=xsc, head=people.xsc_head)
    dept_services.department_set_supervising_leader(actor=root, department=xsc, leader=people.xsc_leader)
    dept_services.liaison_register(actor=people.clerk, department=xsc, user=people.xsc_liaison)
    dept_services.department_set_head(actor=root, department=rsc, head=people.rsc_head)
    dept_services.department_set_supervising_leader(actor=root, department=rsc, leader=people.rsc_leader)
    dept_services.liaison_register(actor=people.clerk, department=rsc, user=people.rsc_liaison)
    for name, user in vars(people).items():
        setattr(people, name, fresh(user))
    return SimpleNamespace(office=office, admin_office=admin_office, xsc=xsc, rsc=rsc, p=people)
