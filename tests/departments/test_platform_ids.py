"""A person's 企业微信 and 钉钉 accounts: unique when filled, edited in the user admin, imported from the roster
(a dry run changes nothing; unknown 工号 and conflicts are reported; history is written)."""

import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from departments.models import User
from tests.admin_forms import form_data
from tests.departments.test_user_admin import admin_client, change_url, staff_login  # noqa: F401
from tests.factories import fresh

HEADER = "工号,企业微信账号,钉钉账号,手机号\n"


def roster(tmp_path, lines: str, *, bom: bool = True):
    path = tmp_path / "roster.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + (HEADER + lines).encode())
    return path


def run(path, *args) -> str:
    out = io.StringIO()
    call_command("import_platform_ids", str(path), *args, stdout=out)
    return out.getvalue()


def test_a_platform_account_belongs_to_one_person_blank_to_many(org):
    User.objects.filter(pk=org.p.clerk.pk).update(wecom_userid="ZhangSan")
    assert User.objects.filter(wecom_userid="").count() > 1  # blank is allowed for everybody else
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=org.p.xsc_head.pk).update(wecom_userid="ZhangSan")


def test_a_dry_run_reports_and_changes_nothing(org, tmp_path):
    path = roster(tmp_path, "xsc_head,ZhangSan,ding-zs,13800138000\nT9999,WangWu,,\n")
    before = User.history.count()
    out = run(path, "--dry-run")
    assert "将修改 1 人" in out and "T9999" in out and "未找到" in out and "试运行" in out
    head = fresh(org.p.xsc_head)
    assert (head.wecom_userid, head.dingtalk_userid) == ("", "")
    assert User.history.count() == before


def test_the_import_fills_the_fields_and_writes_history(org, tmp_path):
    path = roster(tmp_path, "xsc_head,ZhangSan,ding-zs,138 0013 8000\nxsc_liaison,LiSi,,\nT9999,WangWu,,\n")
    out = run(path)
    assert "已修改 2 人" in out and "T9999" in out
    head, liaison = fresh(org.p.xsc_head), fresh(org.p.xsc_liaison)
    assert (head.wecom_userid, head.dingtalk_userid, head.phone) == ("ZhangSan", "ding-zs", "138 0013 8000")
    assert (liaison.wecom_userid, liaison.dingtalk_userid) == ("LiSi", "")  # a blank cell changes nothing
    last = head.history.first()
    assert last.wecom_userid == "ZhangSan" and last.history_change_reason == "导入企业微信、钉钉账号和手机号"
    # The same file again: nothing to change, no new history.
    count = User.history.count()
    assert "已修改 0 人，无变化 2 人" in run(path)
    assert User.history.count() == count


def test_conflicts_are_reported_and_leave_the_person_unchanged(org, tmp_path):
    User.objects.filter(pk=org.p.clerk.pk).update(wecom_userid="ZhangSan")
    path = roster(tmp_path, "xsc_head,ZhangSan,,\nxsc_liaison,,dd-1,\nxsc_staff,,dd-1,\n", bom=False)
    out = run(path)
    assert "冲突" in out and "ZhangSan" in out and f"已属于工号 {org.p.clerk.username}" in out
    assert "dd-1" in out and "在文件中也给了工号 xsc_liaison" in out
    assert fresh(org.p.xsc_head).wecom_userid == ""
    assert fresh(org.p.xsc_staff).dingtalk_userid == ""
    assert fresh(org.p.xsc_liaison).dingtalk_userid == "dd-1"


def test_a_login_writes_no_history_of_the_person(org, client):
    before = User.history.count()
    client.force_login(org.p.clerk)
    user = fresh(org.p.clerk)
    user.save(update_fields=["last_login"])
    assert User.history.count() == before


def test_the_user_admin_shows_and_saves_the_accounts(admin_client, org):  # noqa: F811
    shown = admin_client.get(change_url(org.p.xsc_staff))
    page = shown.content.decode()
    assert "消息推送" in page and 'name="wecom_userid"' in page and 'name="dingtalk_userid"' in page
    response = admin_client.post(
        change_url(org.p.xsc_staff), form_data(shown, wecom_userid="ZhaoLiu", dingtalk_userid="dd-zl")
    )
    assert response.status_code == 302
    staff = fresh(org.p.xsc_staff)
    assert (staff.wecom_userid, staff.dingtalk_userid) == ("ZhaoLiu", "dd-zl")
    assert staff.history.first().wecom_userid == "ZhaoLiu"
