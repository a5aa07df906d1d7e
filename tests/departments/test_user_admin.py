"""The user pages of the admin: a user administrator (系统管理员) assigns appointed roles through the service,
cannot tick the roles that follow the department records, and cannot make anyone, himself included, a
superuser or touch a superuser's account."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from departments import services
from departments.access import roles_of
from departments.roles import Role
from departments.selectors import role_group
from opinion_system.errors import NotAllowed
from tests.admin_forms import form_data
from tests.factories import fresh


def staff_login(client, user):
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client.force_login(user)
    return client


@pytest.fixture(params=["sysadmin", "secadmin"])
def admin_client(request, client, org):
    """Each of the two administrators who may open the user pages."""
    return staff_login(client, getattr(org.p, request.param))


@pytest.fixture
def security_client(client, org):
    """The security administrator (安全管理员): gives roles and passwords."""
    return staff_login(client, org.p.secadmin)


def change_url(user) -> str:
    return reverse("admin:departments_user_change", args=[user.pk])


def test_the_form_shows_appointed_roles_as_checkboxes_and_derived_ones_as_text(security_client, org):
    page = security_client.get(change_url(org.p.clerk)).content.decode()
    assert 'name="appointed_roles" value="office"' in page and "checked" in page
    assert 'name="groups"' not in page and 'name="is_superuser"' not in page
    page = security_client.get(change_url(org.p.xsc_liaison)).content.decode()
    assert "随部门信息确定的角色" in page and "联络员" in page


def test_ticking_an_appointed_role_goes_through_the_service(security_client, org):
    shown = security_client.get(change_url(org.p.xsc_staff))
    response = security_client.post(
        change_url(org.p.xsc_staff), form_data(shown, appointed_roles=["admin_office"])
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert roles_of(fresh(org.p.xsc_staff)) == {Role.ADMIN_OFFICE}
    shown = security_client.get(change_url(org.p.xsc_staff))
    security_client.post(change_url(org.p.xsc_staff), form_data(shown, appointed_roles=None))
    assert roles_of(fresh(org.p.xsc_staff)) == set()


def test_derived_roles_cannot_be_set_and_survive_a_save(admin_client, org):
    liaisons = role_group(Role.LIAISONS)
    shown = admin_client.get(change_url(org.p.xsc_staff))
    admin_client.post(change_url(org.p.xsc_staff), form_data(shown, groups=[str(liaisons.pk)]))
    assert Role.LIAISONS not in roles_of(fresh(org.p.xsc_staff))  # the raw groups field is not read
    shown = admin_client.get(change_url(org.p.xsc_liaison))
    admin_client.post(change_url(org.p.xsc_liaison), form_data(shown, phone="13800000000"))
    assert Role.LIAISONS in roles_of(fresh(org.p.xsc_liaison))  # kept: it follows the liaison register


def test_an_inactive_accounts_roles_are_kept_when_it_is_saved(security_client, org):
    org.p.approver.is_active = False
    org.p.approver.save(update_fields=["is_active"])
    shown = security_client.get(change_url(org.p.approver))
    security_client.post(change_url(org.p.approver), form_data(shown, is_active="on"))
    assert roles_of(fresh(org.p.approver)) == {Role.ADMIN_OFFICE}


def test_a_user_administrator_cannot_make_anyone_a_superuser(admin_client, org):
    for target in (org.p.xsc_staff, org.p.sysadmin):
        shown = admin_client.get(change_url(target))
        response = admin_client.post(
            change_url(target), form_data(shown, is_superuser="on", user_permissions=["1"])
        )
        assert response.status_code == 302
        target = fresh(target)
        assert not target.is_superuser and not target.user_permissions.exists()


def test_a_user_administrator_cannot_open_or_change_a_superusers_account(admin_client, org):
    page = admin_client.get(change_url(org.p.root))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # shown read-only
    posted = admin_client.post(
        change_url(org.p.root), {"username": "root", "is_active": "", "full_name": "改了"}
    )
    assert posted.status_code == 403 and fresh(org.p.root).is_active
    password = reverse("admin:auth_user_password_change", args=[org.p.root.pk]).replace(
        "auth/user", "departments/user"
    )
    assert admin_client.get(password).status_code == 403
    assert (
        admin_client.post(password, {"password1": "Zz-123456789", "password2": "Zz-123456789"}).status_code
        == 403
    )
    assert fresh(org.p.root).check_password("x")


def test_a_superuser_still_can(client, org):
    client.force_login(org.p.root)
    shown = client.get(change_url(org.p.xsc_staff))
    client.post(change_url(org.p.xsc_staff), form_data(shown, is_superuser="on"))
    assert fresh(org.p.xsc_staff).is_superuser


# --- 三员分立: the system administrator keeps accounts; roles, passwords and group rights are not theirs ----------


def password_url(user) -> str:
    return reverse("admin:auth_user_password_change", args=[user.pk]).replace("auth/user", "departments/user")


def test_the_system_administrator_cannot_change_a_groups_permissions(client, org):
    staff_login(client, org.p.sysadmin)
    group = role_group(Role.SYSTEM_ADMIN)
    before = set(group.permissions.values_list("pk", flat=True))
    assert not org.p.sysadmin.has_perm("auth.change_group")
    every = [str(pk) for pk in Permission.objects.values_list("pk", flat=True)]
    url = reverse("admin:auth_group_change", args=[group.pk])
    response = client.post(url, {"name": group.name, "permissions": every})
    assert response.status_code == 403
    assert set(group.permissions.values_list("pk", flat=True)) == before
    assert (
        client.post(reverse("admin:auth_group_add"), {"name": "全部权限", "permissions": every}).status_code
        == 403
    )


def test_nobody_but_a_superuser_changes_a_groups_permissions(client, org):
    group = role_group(Role.LIAISONS)
    for who in ("sysadmin", "secadmin", "clerk"):
        user = getattr(org.p, who)
        user.user_permissions.add(Permission.objects.get(codename="change_group"))  # given by hand, even so
        staff_login(client, fresh(user))
        response = client.post(
            reverse("admin:auth_group_change", args=[group.pk]), {"name": "x", "permissions": []}
        )
        assert response.status_code == 403, who
    assert role_group(Role.LIAISONS).name == str(Role.LIAISONS.label)


def test_the_system_administrator_cannot_set_another_users_password(client, org):
    staff_login(client, org.p.sysadmin)
    target = org.p.clerk
    assert client.get(password_url(target)).status_code == 403
    posted = client.post(password_url(target), {"password1": "Zz-123456789", "password2": "Zz-123456789"})
    assert posted.status_code == 403
    assert fresh(target).check_password("pw")


def test_the_system_administrator_gives_no_role_not_even_to_themself(client, org):
    staff_login(client, org.p.sysadmin)
    for target in (org.p.sysadmin, org.p.xsc_staff):
        shown = client.get(change_url(target))
        assert 'name="appointed_roles"' not in shown.content.decode()
        client.post(change_url(target), form_data(shown, appointed_roles=["office"]))
        assert Role.OFFICE not in roles_of(fresh(target))
    with pytest.raises(NotAllowed):
        services.user_set_roles(actor=org.p.sysadmin, user=org.p.sysadmin, roles=[Role.OFFICE])
    with pytest.raises(NotAllowed):  # the office no longer gives roles either
        services.user_set_roles(actor=org.p.clerk, user=org.p.xsc_staff, roles=[Role.OFFICE])


def test_the_security_administrator_sets_passwords_but_not_their_own_roles_nor_appoints_another(
    security_client, org
):
    posted = security_client.post(
        password_url(org.p.xsc_staff), {"password1": "Zz-123456789", "password2": "Zz-123456789"}
    )
    assert posted.status_code == 302
    assert fresh(org.p.xsc_staff).check_password("Zz-123456789")
    shown = security_client.get(change_url(org.p.xsc_staff)).content.decode()
    assert 'value="security_admin"' not in shown  # only a superuser appoints one
    own = security_client.get(change_url(org.p.secadmin)).content.decode()
    assert 'name="appointed_roles"' not in own
    with pytest.raises(NotAllowed):
        services.user_set_roles(
            actor=org.p.secadmin, user=org.p.secadmin, roles=[Role.OFFICE, Role.SECURITY_ADMIN]
        )
    with pytest.raises(NotAllowed):
        services.user_set_roles(actor=org.p.secadmin, user=org.p.xsc_staff, roles=[Role.SECURITY_ADMIN])
    # Giving an ordinary role keeps the other security administrator's appointment as it is.
    services.user_set_roles(
        actor=org.p.root, user=org.p.approver, roles=[Role.ADMIN_OFFICE, Role.SECURITY_ADMIN]
    )
    shown = security_client.get(change_url(org.p.approver))
    security_client.post(
        change_url(org.p.approver), form_data(shown, appointed_roles=["admin_office", "office"])
    )
    assert roles_of(fresh(org.p.approver)) == {Role.ADMIN_OFFICE, Role.OFFICE, Role.SECURITY_ADMIN}


def test_the_system_administrator_gives_itself_no_departments_rights(org):
    # Registering a liaison or naming a head gives the department's rights (第五条): not the system administrator's.
    xsc = org.xsc
    with pytest.raises(NotAllowed, match="领导小组办公室"):
        services.liaison_register(actor=org.p.sysadmin, department=xsc, user=org.p.sysadmin)
    with pytest.raises(NotAllowed, match="系统管理员不分配权限"):
        services.department_set_head(actor=org.p.sysadmin, department=xsc, head=org.p.sysadmin)
    with pytest.raises(NotAllowed, match="系统管理员不分配权限"):
        services.department_set_supervising_leader(
            actor=org.p.sysadmin, department=xsc, leader=org.p.xsc_staff
        )
    assert not fresh(org.p.sysadmin).has_perm("departments.add_liaison")
    assert Role.LIAISONS not in roles_of(fresh(org.p.sysadmin))
    xsc.refresh_from_db()
    assert xsc.head_id == org.p.xsc_head.pk
    services.department_save(actor=org.p.sysadmin, department=xsc, reason="改名")  # the rest stays theirs


def test_nobody_names_themself_head_but_the_office_and_security_administrator_name_others(org):
    with pytest.raises(NotAllowed, match="自己"):
        services.department_set_head(actor=org.p.secadmin, department=org.xsc, head=org.p.secadmin)
    services.department_set_head(actor=org.p.secadmin, department=org.xsc, head=org.p.xsc_staff)
    assert Role.DEPARTMENT_HEADS in roles_of(fresh(org.p.xsc_staff))
    services.department_set_head(actor=org.p.clerk, department=org.xsc, head=org.p.xsc_head)
    with pytest.raises(NotAllowed, match="自己"):
        services.department_set_head(actor=org.p.clerk, department=org.rsc, head=org.p.clerk)


def test_the_liaison_register_offers_its_buttons_only_to_the_office(client, org):
    client.force_login(org.p.sysadmin)
    shown = client.get(reverse("departments:liaisons")).content.decode()
    assert "此处仅供查看" in shown and "登记新的联络员" not in shown and "停用理由" not in shown
    client.force_login(org.p.clerk)
    shown = client.get(reverse("departments:liaisons")).content.decode()
    assert "登记新的联络员" in shown and "停用理由" in shown
