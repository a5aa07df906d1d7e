"""The user pages of the admin: a user administrator (系统管理员) assigns appointed roles through the service,
cannot tick the roles that follow the department records, and cannot make anyone, himself included, a
superuser or touch a superuser's account."""

import pytest
from django.forms import CheckboxInput, MultiWidget
from django.urls import reverse

from departments.access import roles_of
from departments.roles import Role
from departments.selectors import role_group
from tests.factories import fresh


@pytest.fixture
def admin_client(client, org):
    org.p.sysadmin.is_staff = True
    org.p.sysadmin.save(update_fields=["is_staff"])
    client.force_login(org.p.sysadmin)
    return client


def change_url(user) -> str:
    return reverse("admin:departments_user_change", args=[user.pk])


def form_data(response, **changes) -> dict:
    """What the browser would send back for the change form as shown, with `changes` applied."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form[name].value()
        if isinstance(field.widget, MultiWidget):
            for k, part in enumerate(field.widget.decompress(value)):
                data[f"{name}_{k}"] = part or ""
        elif isinstance(field.widget, CheckboxInput):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def test_the_form_shows_appointed_roles_as_checkboxes_and_derived_ones_as_text(admin_client, org):
    page = admin_client.get(change_url(org.p.clerk)).content.decode()
    assert 'name="appointed_roles" value="office"' in page and "checked" in page
    assert 'name="groups"' not in page and 'name="is_superuser"' not in page
    page = admin_client.get(change_url(org.p.xsc_liaison)).content.decode()
    assert "随部门信息确定的角色" in page and "联络员" in page


def test_ticking_an_appointed_role_goes_through_the_service(admin_client, org):
    shown = admin_client.get(change_url(org.p.xsc_staff))
    response = admin_client.post(
        change_url(org.p.xsc_staff), form_data(shown, appointed_roles=["admin_office"])
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert roles_of(fresh(org.p.xsc_staff)) == {Role.ADMIN_OFFICE}
    shown = admin_client.get(change_url(org.p.xsc_staff))
    admin_client.post(change_url(org.p.xsc_staff), form_data(shown, appointed_roles=None))
    assert roles_of(fresh(org.p.xsc_staff)) == set()


def test_derived_roles_cannot_be_set_and_survive_a_save(admin_client, org):
    liaisons = role_group(Role.LIAISONS)
    shown = admin_client.get(change_url(org.p.xsc_staff))
    admin_client.post(change_url(org.p.xsc_staff), form_data(shown, groups=[str(liaisons.pk)]))
    assert Role.LIAISONS not in roles_of(fresh(org.p.xsc_staff))  # the raw groups field is not read
    shown = admin_client.get(change_url(org.p.xsc_liaison))
    admin_client.post(change_url(org.p.xsc_liaison), form_data(shown, phone="13800000000"))
    assert Role.LIAISONS in roles_of(fresh(org.p.xsc_liaison))  # kept: it follows the liaison register


def test_an_inactive_accounts_roles_are_kept_when_it_is_saved(admin_client, org):
    org.p.approver.is_active = False
    org.p.approver.save(update_fields=["is_active"])
    shown = admin_client.get(change_url(org.p.approver))
    admin_client.post(change_url(org.p.approver), form_data(shown, is_active="on"))
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
