"""The security log (等保2.0): sign-ins, failures, lockouts, role and grant changes, refused accesses and downloads
are recorded with who, when, what, result and address; the log is append-only and hash-chained; only the audit
administrator reads it."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit import services
from audit.models import ChainHead, SecurityEvent
from audit.verify import verify_chain
from departments import services as dept_services
from departments.roles import Role
from opinion_system.errors import DomainError
from tests.factories import assessed, fresh, report

Kind, Result = SecurityEvent.Kind, SecurityEvent.Result
ON_POSTGRESQL = pytest.mark.postgresql_only(reason="the append-only triggers exist on PostgreSQL only")


def last(kind: str) -> SecurityEvent:
    return SecurityEvent.objects.filter(kind=kind).order_by("-seq").first()


@pytest.fixture
def auditor(org):
    user = dept_services.User.objects.create_user("auditor", password="pw", full_name="审计员")
    dept_services.user_set_roles(actor=org.p.root, user=user, roles=[Role.AUDIT_ADMIN])
    return fresh(user)


# --- what is recorded -------------------------------------------------------------------------------------------


def test_sign_in_failure_and_sign_out_are_recorded_with_the_address(org):
    client = Client(REMOTE_ADDR="10.1.2.3")
    client.post(reverse("login"), {"username": "xsc_liaison", "password": "wrong"})
    failed = last(Kind.LOGIN_FAILED)
    assert (failed.username, failed.result, failed.ip, failed.user_id) == (
        "xsc_liaison",
        Result.FAILURE,
        "10.1.2.3",
        None,
    )
    client.post(reverse("login"), {"username": "xsc_liaison", "password": "pw"})
    login = last(Kind.LOGIN)
    assert (login.user_id, login.username, login.result, login.ip) == (
        org.p.xsc_liaison.pk,
        "xsc_liaison",
        Result.SUCCESS,
        "10.1.2.3",
    )
    client.post(reverse("logout"))
    assert last(Kind.LOGOUT).user_id == org.p.xsc_liaison.pk


def test_a_lockout_is_recorded(org, settings):
    client = Client(REMOTE_ADDR="10.9.9.9")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "office_clerk", "password": "wrong"})
    lockout = last(Kind.LOCKOUT)
    assert lockout is not None and lockout.username == "office_clerk" and lockout.result == Result.REFUSED


def test_a_refused_incident_is_recorded_for_404_and_403(client, org):
    other = report(org, reporter=org.p.rsc_liaison, department=org.rsc)
    client.force_login(org.p.xsc_liaison)
    assert client.get(reverse("incidents:detail", args=[other.pk])).status_code == 404
    refused = last(Kind.ACCESS_REFUSED)
    assert refused.user_id == org.p.xsc_liaison.pk and refused.path == f"/incidents/{other.pk}/"
    assert refused.target == "HTTP 404"
    own = assessed(org)
    client.post(reverse("incidents:action", args=[own.pk, "file"]), {})
    assert last(Kind.ACCESS_REFUSED).target in ("HTTP 403", "HTTP 404")
    assert SecurityEvent.objects.filter(kind=Kind.ACCESS_REFUSED, user_id=org.p.xsc_liaison.pk).count() == 2


def test_downloads_are_recorded_with_the_file_name(client, org):
    incident = report(org)
    client.force_login(org.p.clerk)
    response = client.get(reverse("reports:disposal_form_pdf", args=[incident.pk]))
    assert response.status_code == 200
    download = last(Kind.DOWNLOAD)
    assert download.user_id == org.p.clerk.pk and download.path.endswith("disposal-form.pdf")


def test_an_ordinary_page_writes_nothing(client, org):
    client.force_login(org.p.clerk)
    before = SecurityEvent.objects.count()
    assert client.get(reverse("incidents:list")).status_code == 200
    assert SecurityEvent.objects.count() == before


def test_role_and_grant_changes_are_recorded_with_who_made_them(org):
    dept_services.user_set_roles(actor=org.p.secadmin, user=org.p.xsc_staff, roles=[Role.OFFICE])
    role = last(Kind.ROLE_CHANGE)
    assert (role.user_id, role.target) == (org.p.secadmin.pk, "xsc_staff") and "领导小组办公室" in role.detail
    dept_services.liaison_register(actor=org.p.clerk, department=org.rsc, user=org.p.xsc_staff)
    grants = SecurityEvent.objects.filter(kind=Kind.GRANT_CHANGE, target="xsc_staff @ 人事处")
    assert {g.detail for g in grants} == {"授予：查看本部门舆情", "授予：处置本部门舆情"}
    assert {g.user_id for g in grants} == {org.p.clerk.pk}


# --- the chain --------------------------------------------------------------------------------------------------


def test_the_chain_verifies_and_the_verification_is_itself_recorded(org):
    call_command("verify_audit", stdout=io.StringIO())
    verdict = last(Kind.VERIFY)
    assert verdict.result == Result.SUCCESS and "完整" in verdict.detail
    assert verify_chain().ok


def tamper(sql: str, params=()) -> None:
    """What someone with the database's own rights might do behind the application's back."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_securityevent DISABLE TRIGGER securityevent_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_securityevent ENABLE TRIGGER securityevent_append_only")


@pytest.fixture
def chain(org):
    """Five more events after the ones the org made."""
    for n in range(5):
        services.record(kind=Kind.LOGIN_FAILED, result=Result.FAILURE, username=f"guess{n}")
    return list(SecurityEvent.objects.order_by("seq"))


def test_an_edited_row_is_named(chain):
    victim = chain[-3]
    tamper("UPDATE audit_securityevent SET username = %s WHERE seq = %s", ["someone", victim.seq])
    verdict = verify_chain()
    assert not verdict.ok and verdict.first_bad_seq == victim.seq


def test_a_deleted_row_is_named(chain):
    victim = chain[-3]
    tamper("DELETE FROM audit_securityevent WHERE seq = %s", [victim.seq])
    verdict = verify_chain()
    assert not verdict.ok and verdict.first_bad_seq == victim.seq and "缺少" in verdict.message


def test_a_deleted_tail_is_named(chain):
    tamper("DELETE FROM audit_securityevent WHERE seq = %s", [chain[-1].seq])
    verdict = verify_chain()
    assert not verdict.ok and "末尾" in verdict.message


def test_two_rows_swapped_are_named(chain):
    a, b = chain[-3], chain[-2]
    tamper("UPDATE audit_securityevent SET seq = 999999999 WHERE seq = %s", [a.seq])
    tamper("UPDATE audit_securityevent SET seq = %s WHERE seq = %s", [a.seq, b.seq])
    tamper("UPDATE audit_securityevent SET seq = %s WHERE seq = 999999999", [b.seq])
    verdict = verify_chain()
    assert not verdict.ok and verdict.first_bad_seq == a.seq


def test_verify_audit_fails_loudly_on_a_broken_chain(chain):
    tamper("UPDATE audit_securityevent SET detail = 'x' WHERE seq = %s", [chain[-1].seq])
    with pytest.raises(CommandError, match=f"序号 {chain[-1].seq}"):
        call_command("verify_audit", stdout=io.StringIO())
    assert last(Kind.VERIFY).result == Result.FAILURE


@ON_POSTGRESQL
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_securityevent SET username = 'someone' WHERE seq = %s",
        "UPDATE audit_securityevent SET seq = seq + 1000 WHERE seq = %s",
        "DELETE FROM audit_securityevent WHERE seq = %s",
    ],
)
def test_the_database_refuses_to_change_or_delete_a_row(chain, sql):
    with pytest.raises(DatabaseError, match="只能追加"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [chain[-2].seq])
    assert verify_chain().ok


# --- retention --------------------------------------------------------------------------------------------------


def test_the_purge_refuses_younger_rows_and_keeps_the_rest_verifiable(db):
    with time_machine.travel(timezone.now() - dt.timedelta(days=200)):
        old = [
            services.record(kind=Kind.LOGIN_FAILED, result=Result.FAILURE, username="old") for _ in range(3)
        ]
    services.record(kind=Kind.LOGIN_FAILED, result=Result.FAILURE, username="new")
    with pytest.raises(DomainError, match="至少保留 180 天"):
        services.purge(before=timezone.now() - dt.timedelta(days=10))
    deleted = services.purge(before=timezone.now() - dt.timedelta(days=190))
    assert deleted >= 3 and not SecurityEvent.objects.filter(seq__lte=old[-1].seq).exists()
    assert ChainHead.objects.get().anchor_seq >= old[-1].seq
    assert last(Kind.PURGE) is not None
    assert verify_chain().ok


def test_the_purge_command_names_the_retention(db):
    with pytest.raises(CommandError, match="180"):
        call_command("purge_security_log", "--before", timezone.localdate().isoformat(), stdout=io.StringIO())


# --- the auditor's page -----------------------------------------------------------------------------------------


def test_only_the_audit_administrator_reads_the_log(client, org, auditor):
    for who in (org.p.clerk, org.p.sysadmin, org.p.secadmin, org.p.root, org.p.leader, org.p.xsc_liaison):
        client.force_login(who)
        assert client.get(reverse("audit:log")).status_code == 403, who.username
        assert client.get(reverse("audit:export")).status_code == 403, who.username
    client.force_login(auditor)
    page = client.get(reverse("audit:log"))
    assert page.status_code == 200 and "安全日志" in page.content.decode()


def test_the_auditor_filters_and_exports(client, org, auditor):
    Client(REMOTE_ADDR="10.7.7.7").post(reverse("login"), {"username": "leader", "password": "wrong"})
    client.force_login(auditor)
    page = client.get(reverse("audit:log"), {"kind": "login_failed", "ip": "10.7."})
    rows = list(page.context["page"])
    assert rows and all(r.kind == Kind.LOGIN_FAILED and r.ip == "10.7.7.7" for r in rows)
    assert client.get(reverse("audit:log"), {"username": "x\x00", "start": "9999-99-99"}).status_code == 200
    response = client.get(reverse("audit:export"), {"kind": "login_failed"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert table[0][:4] == ["序号", "时间", "事件", "结果"]
    assert {row[2] for row in table[1:]} == {"登录失败"} and any(row[5] == "leader" for row in table[1:])
    exported = last(Kind.EXPORT)
    assert exported.user_id == auditor.pk and "login_failed" in exported.detail


def test_the_auditor_sees_no_incident_and_no_admin(client, org, auditor):
    incident = report(org)
    client.force_login(auditor)
    assert client.get(reverse("incidents:detail", args=[incident.pk])).status_code == 404
    assert incident.number not in client.get(reverse("incidents:list")).content.decode()
    assert client.get(reverse("admin:index")).status_code == 302
    assert "安全日志" in client.get(reverse("incidents:home")).content.decode()


def test_a_password_change_is_recorded_with_who_made_it(client, org):
    client.force_login(org.p.secadmin)
    url = reverse("admin:auth_user_password_change", args=[org.p.xsc_staff.pk]).replace(
        "auth/user", "departments/user"
    )
    org.p.secadmin.is_staff = True
    org.p.secadmin.save(update_fields=["is_staff"])
    assert client.post(url, {"password1": "Zz-123456789", "password2": "Zz-123456789"}).status_code == 302
    changed = last(Kind.PASSWORD_CHANGE)
    assert (changed.user_id, changed.target) == (org.p.secadmin.pk, "用户 xsc_staff")
    assert changed.path == url
