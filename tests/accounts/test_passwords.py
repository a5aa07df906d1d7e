"""The password policy (等保2.0 身份鉴别): every rule with its message, the last N passwords, 修改密码 for
everyone, expiry after PASSWORD_MAX_AGE_DAYS and the change forced after an administrator set the password."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import PasswordHistory
from departments.models import User
from incidents.models import Incident
from tests.factories import assessed, fresh
from tests.test_demo import demo  # noqa: F401 - the seeded demo, a fixture

CHANGE = reverse("accounts:password_change")
GOOD = "Qingshui-2026"


def refusals(password: str, user=None) -> list[str]:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        return error.messages
    return []


def sign_in(username: str, password: str) -> Client | None:
    """A new browser that signs in on the login page (the throttle needs the request), or None if refused."""
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    return client if response.status_code == 302 else None


def change_password(client, old: str, new: str, **extra):
    return client.post(CHANGE, {"old_password": old, "new_password1": new, "new_password2": new}, **extra)


# The policy, rule by rule.


def test_a_password_shorter_than_ten_characters_is_refused(org):
    assert refusals("Qs-2026ab", org.p.xsc_liaison) == ["密码太短：至少需要 10 个字符。"]
    assert refusals("Qs-2026abc", org.p.xsc_liaison) == []


def test_the_minimum_length_is_a_setting(org, settings):
    settings.PASSWORD_MIN_LENGTH = 14
    assert refusals(GOOD, org.p.xsc_liaison) == ["密码太短：至少需要 14 个字符。"]


@pytest.mark.parametrize(
    "password", ["qingshuihe2026", "QINGSHUIHE2026", "qingshuihe-river", "Qingshuiheriver"]
)
def test_a_password_of_fewer_than_three_character_classes_is_refused(org, password):
    assert refusals(password, org.p.xsc_liaison) == [
        "密码须包含小写字母、大写字母、数字、符号中的至少 3 类。"
    ]


@pytest.mark.parametrize(
    "password", ["Qingshuihe2026", "qingshuihe-2026", "QINGSHUIHE-2026", "Qingshuihe-river"]
)
def test_any_three_of_the_four_classes_will_do(org, password):
    assert refusals(password, org.p.xsc_liaison) == []


def test_a_password_containing_the_user_name_in_any_case_is_refused(org):
    refused = refusals("2026-XSC_Staff!", org.p.xsc_staff)
    assert "密码不能包含用户名。" in refused


def test_django_refuses_common_and_all_digit_passwords(org):
    assert "这个密码太常见了。" in refusals("Password123", org.p.xsc_liaison)
    assert "密码只包含数字。" in refusals("20261130123", org.p.xsc_liaison)


def test_the_demo_password_is_below_the_policy(org):
    assert refusals("demo12345", org.p.xsc_liaison) == [
        "密码太短：至少需要 10 个字符。",
        "密码须包含小写字母、大写字母、数字、符号中的至少 3 类。",
    ]


def test_the_rules_are_explained_in_chinese():
    assert password_validation.password_validators_help_texts() == [
        "你的密码不能与你的其他个人信息太相似。",
        "至少 10 个字符。",
        "包含小写字母、大写字母、数字、符号中的至少 3 类。",
        "不能包含用户名。",
        "你的密码不能是一个常见密码。",
        "你的密码不能全都是数字。",
        "不能与最近 5 次用过的密码相同。",
    ]


# The last N passwords.


def set_password(user, password):
    user.set_password(password)
    user.save()


def test_none_of_the_last_five_passwords_again_the_sixth_back_is_allowed(org):
    user = org.p.xsc_liaison
    used = [f"Qingshui-{n}{n}" for n in range(6)]
    for password in used:
        set_password(user, password)
    for password in used[1:]:  # the last five, the current one among them
        assert refusals(password, fresh(user)) == ["不能使用最近 5 次用过的密码。"]
    assert refusals(used[0], fresh(user)) == []
    # only the hashes of the last five are kept
    kept = list(PasswordHistory.objects.filter(user=user).values_list("password", flat=True))
    assert len(kept) == 5 and all(h.startswith("md5$") for h in kept)


def test_how_many_passwords_are_remembered_is_a_setting(org, settings):
    settings.PASSWORD_HISTORY_COUNT = 2
    user = org.p.xsc_liaison
    for password in ["Qingshui-01", "Qingshui-02", "Qingshui-03"]:
        set_password(user, password)
    assert refusals("Qingshui-02", fresh(user)) == ["不能使用最近 2 次用过的密码。"]
    assert refusals("Qingshui-01", fresh(user)) == []


def test_a_password_from_before_the_history_counts_as_used(org):
    user = org.p.xsc_liaison
    PasswordHistory.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(password=make_password(GOOD))
    assert refusals(GOOD, fresh(user)) == ["不能使用最近 5 次用过的密码。"]


# 修改密码: every person, on their own page.


def test_a_liaison_changes_their_own_password_and_stays_signed_in(client, org):
    user = org.p.xsc_liaison
    client.force_login(user)
    home = client.get(reverse("incidents:home")).content.decode()
    assert f'href="{CHANGE}">修改密码</a>' in home  # in the user menu, for everyone
    page = client.get(CHANGE).content.decode()
    assert "旧密码" in page and "新密码确认" in page and "至少 10 个字符。" in page

    wrong = change_password(client, "not-it", GOOD).content.decode()
    assert "你的旧密码不正确。请重新输入。" in wrong
    weak = change_password(client, "pw", "demo12345").content.decode()
    assert "密码太短：至少需要 10 个字符。" in weak and 'aria-invalid="true"' in weak

    done = change_password(client, "pw", GOOD, follow=True)
    assert done.redirect_chain == [(reverse("incidents:home"), 302)]
    assert "密码已修改，下次登录请使用新密码。" in done.content.decode()
    assert done.context["user"] == user  # this session was kept
    changed = fresh(user)
    assert changed.check_password(GOOD)
    assert timezone.now() - changed.password_changed_at < dt.timedelta(minutes=1)
    assert sign_in(user.username, GOOD) and not sign_in(user.username, "pw")


def test_the_change_page_needs_a_signed_in_user(client, db):
    response = client.get(CHANGE)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


# Expiry after PASSWORD_MAX_AGE_DAYS, and what a person may do until they change it.

EXPIRED_MESSAGE = "您的密码已超过 90 天未修改，请先修改密码。"


def assert_sent_to_change(response, back=None):
    assert response.status_code == 302, response
    expected = CHANGE + (f"?next={back}" if back else "")
    assert response["Location"] == expected


def test_an_expired_password_must_be_changed_before_anything_else(client, org):
    incident = assessed(org, level=2)
    user = org.p.xsc_liaison
    with time_machine.travel(timezone.now() + dt.timedelta(days=91), tick=False):
        client.force_login(user)
        first = client.get(reverse("incidents:home"), follow=True)
        assert first.redirect_chain == [(f"{CHANGE}?next=%2F", 302)]
        assert EXPIRED_MESSAGE in first.content.decode()
        for url in [
            reverse("incidents:list"),
            reverse("incidents:detail", args=[incident.pk]),
            reverse("incidents:report"),
            reverse("admin:index"),
        ]:
            assert_sent_to_change(client.get(url), back=url.replace("/", "%2F"))
        # an action posted from the incident's page does nothing
        before = Incident.objects.get(pk=incident.pk).version
        detail = "http://testserver" + reverse("incidents:detail", args=[incident.pk])
        action = reverse("incidents:action", args=[incident.pk, "progress"])
        posted = client.post(action, {"version": before, "content": "进展"}, HTTP_REFERER=detail)
        assert_sent_to_change(posted, back=f"%2Fincidents%2F{incident.pk}%2F")
        assert Incident.objects.get(pk=incident.pk).version == before
        assert not incident.progress_reports.exists()
        # htmx is told to load the change page, not given a page inside the list
        htmx = client.get(
            reverse("incidents:list"), {"q": "食堂"}, HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL=detail
        )
        assert htmx.status_code == 200 and htmx["HX-Redirect"].startswith(CHANGE)
        assert "<table" not in htmx.content.decode()
        # the monitor and the way out stay open
        assert client.get(reverse("incidents:health")).status_code in (200, 503)
        # changed: back to where they were going
        done = client.post(
            CHANGE,
            {"old_password": "pw", "new_password1": GOOD, "new_password2": GOOD, "next": "/incidents/"},
        )
        assert done["Location"] == "/incidents/"
        assert client.get(reverse("incidents:list")).status_code == 200
        assert client.post(reverse("logout")).status_code == 302


def test_the_password_is_good_until_the_ninetieth_day(client, org):
    with time_machine.travel(timezone.now() + dt.timedelta(days=89, hours=23), tick=False):
        client.force_login(org.p.xsc_liaison)
        assert client.get(reverse("incidents:home")).status_code == 200


def test_an_account_with_no_recorded_change_counts_from_the_day_it_joined(client, org):
    user = org.p.xsc_liaison
    User.objects.filter(pk=user.pk).update(
        password_changed_at=None, date_joined=timezone.now() - dt.timedelta(days=100)
    )
    client.force_login(user)
    assert_sent_to_change(client.get(reverse("incidents:home")), back="%2F")
    User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - dt.timedelta(days=10))
    assert client.get(reverse("incidents:home")).status_code == 200


def test_no_expiry_when_the_setting_is_zero(client, org, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    with time_machine.travel(timezone.now() + dt.timedelta(days=400), tick=False):
        client.force_login(org.p.xsc_liaison)
        assert client.get(reverse("incidents:home")).status_code == 200


# A password an administrator chose: changed at the next sign-in.


def staff_client(admin):
    admin.is_staff = True
    admin.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(admin)
    return client


def admin_set_password_url(user) -> str:
    return reverse("admin:auth_user_password_change", args=[user.pk]).replace("auth/user", "departments/user")


def test_a_password_reset_by_the_security_administrator_must_be_changed_at_next_sign_in(org):
    target = org.p.xsc_staff
    admin = staff_client(org.p.secadmin)
    posted = admin.post(
        admin_set_password_url(target), {"password1": "Zz-123456789", "password2": "Zz-123456789"}
    )
    assert posted.status_code == 302
    assert fresh(target).must_change_password and not fresh(org.p.secadmin).must_change_password
    # the policy applies to the administrator's choice too
    weak = admin.post(admin_set_password_url(target), {"password1": "demo12345", "password2": "demo12345"})
    assert weak.status_code == 200 and "密码太短：至少需要 10 个字符。" in weak.content.decode()

    client = sign_in("xsc_staff", "Zz-123456789")
    page = client.get(reverse("incidents:list"), follow=True)
    assert page.redirect_chain == [(f"{CHANGE}?next=%2Fincidents%2F", 302)]
    assert "您的密码由管理员设置，请先修改为只有您知道的密码。" in page.content.decode()
    change_password(client, "Zz-123456789", GOOD)
    assert not fresh(target).must_change_password
    assert client.get(reverse("incidents:list")).status_code == 200


def test_a_person_added_in_the_admin_changes_the_initial_password_at_first_sign_in(org):
    admin = staff_client(org.p.sysadmin)  # 系统管理员 keeps the accounts
    added = admin.post(
        reverse("admin:departments_user_add"),
        {
            "username": "new_liaison",
            "usable_password": "true",
            "password1": "Zz-123456789",
            "password2": "Zz-123456789",
            "full_name": "新联络员",
            "department": org.xsc.pk,
        },
    )
    assert added.status_code == 302, added.content.decode()[-3000:]
    user = User.objects.get(username="new_liaison")
    assert user.must_change_password and user.password_changed_at is not None
    client = sign_in("new_liaison", "Zz-123456789")
    assert_sent_to_change(client.get(reverse("incidents:home")), back="%2F")


def test_people_made_by_create_user_are_not_forced(client, org):
    """The factories' people (password "pw" through create_user, which neither validates nor records it) have
    no recorded change: their password counts from the day they joined."""
    user = org.p.xsc_liaison
    assert user.password_changed_at is None and not user.must_change_password
    client.force_login(user)
    assert client.get(reverse("incidents:home")).status_code == 200


# The demo keeps its published password.


def test_the_demo_accounts_still_sign_in_with_the_demo_password(client, demo):  # noqa: F811
    for username in ["office1", "xsc_liaison", "dzb_approver"]:
        page = client.post(reverse("login"), {"username": username, "password": "demo12345"}, follow=True)
        assert page.redirect_chain == [(reverse("incidents:home"), 302)], username
        assert page.context["user"].username == username
        client.post(reverse("logout"))
