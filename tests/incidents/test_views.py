"""Every page and action: the allowed role succeeds, another department gets 404, a wrong role 403/404,
anonymous goes to login; lists run a constant number of queries; nothing typed is lost."""

import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents import services
from incidents.models import Incident, ProgressReport, ReplyStatement, Status
from tests.factories import assessed, ended, filed, report, reviewed, submitted


def post(client, incident, name, data=None, **extra):
    payload = {"version": incident.version, **(data or {})}
    return client.post(reverse("incidents:action", args=[incident.pk, name]), payload, **extra)


def as_user(client, user):
    client.force_login(user)
    return client


PAGES = ["incidents:home", "incidents:list", "incidents:report", "notifications:list"]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_needs_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_opens_for_a_plain_member_of_staff(client, org, name):
    assert as_user(client, org.p.xsc_staff).get(reverse(name)).status_code == 200


@pytest.mark.parametrize(
    ("url", "allowed", "refused"),
    [
        (
            "dashboard:index",
            ["clerk", "leader", "top_leader", "xsc_leader"],
            ["xsc_liaison", "approver", "outsider"],
        ),
        ("incidents:statement_queue", ["approver"], ["clerk", "xsc_head", "leader", "outsider"]),
        ("departments:liaisons", ["clerk", "sysadmin"], ["xsc_head", "leader", "approver", "outsider"]),
        ("departments:media_accounts", ["clerk"], ["xsc_liaison", "top_leader", "outsider"]),
    ],
)
def test_role_pages(client, org, url, allowed, refused):
    for who in allowed:
        assert as_user(client, getattr(org.p, who)).get(reverse(url)).status_code == 200, who
    for who in refused:
        assert as_user(client, getattr(org.p, who)).get(reverse(url)).status_code == 403, who


# (action, who may, who may not although they can see it, the incident's state, extra form data)
CASES = [
    (
        "assess",
        "clerk",
        "xsc_liaison",
        "reported",
        {"category": "C", "level": 3, "responsible_department": "xsc"},
    ),
    ("change_level", "clerk", "xsc_head", "assessed", {"to_level": 2, "reason": "扩散"}),
    ("reassign", "clerk", "xsc_liaison", "assessed", {"department": "rsc", "reason": "职责"}),
    ("progress", "xsc_liaison", "xsc_leader", "assessed", {"content": "进展"}),
    ("statement", "xsc_liaison", "clerk", "assessed", {"text": "通稿"}),
    ("end_disposal", "xsc_head", "clerk", "assessed", {}),
    (
        "disposal_form",
        "xsc_liaison",
        "xsc_leader",
        "ended",
        {"team_members": "张三", "disposal_situation": "已处理"},
    ),
    ("leader_opinion", "xsc_leader", "xsc_liaison", "ended", {"opinion": "同意"}),
    ("sign", "xsc_head", "xsc_liaison", "form_filled", {}),
    ("submit_form", "xsc_liaison", "clerk", "signed", {}),
    ("merge", "clerk", "xsc_liaison", "reported", {"into": "other"}),
    ("duty", "clerk", "xsc_head", "level_one", {"kind": "special_meeting", "method": "会议"}),
    ("publish", "xsc_liaison", "approver", "approved", {"statement": "approved", "where": "微博评论区"}),
    ("review", "approver", "xsc_liaison", "statement_sent", {"statement": "sent", "decision": "approve"}),
    ("archive", "clerk", "xsc_head", "reviewed", {}),
    ("waive_review", "clerk", "xsc_liaison", "submitted", {"reason": "个案，无普遍性问题"}),
    (
        "team",
        "xsc_liaison",
        "leader",
        "assessed",
        {
            "member-TOTAL_FORMS": "1",
            "member-INITIAL_FORMS": "0",
            "member-0-role": "leader",
            "member-0-name": "张三",
        },
    ),
    (
        "review_meeting",
        "clerk",
        "xsc_head",
        "filed",
        {"held_at": "now", "attendees": "党群工作部、学生处", "summary": "回应及时"},
    ),
    ("file", "clerk", "xsc_head", "opinion_given", {}),
    ("request_signature", "xsc_liaison", "xsc_leader", "form_filled", {}),
    ("waive_opinion", "clerk", "xsc_liaison", "submitted", {"reason": "分管院领导出国学习"}),
    ("return_form", "clerk", "xsc_liaison", "submitted", {"comment": "补充"}),
]


def _form_filled(org):
    incident = ended(org)
    services.disposal_form_save(
        incident=incident, actor=org.p.xsc_liaison, team_members="张三", disposal_situation="已处理"
    )
    return incident


def _signed(org):
    incident = _form_filled(org)
    services.disposal_form_sign(incident=incident, actor=org.p.xsc_head)
    return incident


def _opinion_given(org):
    incident = submitted(org)
    services.disposal_form_leader_opinion(incident=incident, actor=org.p.xsc_leader, opinion="同意")
    return incident


def _statement_sent(org):
    incident = assessed(org, level=2)
    statement = services.statement_save_draft(incident=incident, actor=org.p.xsc_liaison, text="通稿")
    services.statement_submit(statement=statement, actor=org.p.xsc_liaison)
    return incident


def _approved(org):
    incident = _statement_sent(org)
    services.statement_approve(statement=incident.statements.get(), actor=org.p.approver)
    return incident


STATES = {
    "reported": report,
    "assessed": assessed,
    "ended": ended,
    "submitted": submitted,
    "form_filled": _form_filled,
    "signed": _signed,
    "opinion_given": _opinion_given,
    "level_one": lambda org: assessed(org, level=1, category="E"),
    "statement_sent": _statement_sent,
    "approved": _approved,
    "filed": filed,
    "reviewed": lambda org: reviewed(org, filed(org)),
}


def _data(org, extra, incident):
    statement = incident.statements.order_by("-number").first()
    mapping = {
        "xsc": org.xsc.pk,
        "rsc": org.rsc.pk,
        "other": assessed(org).number if extra.get("into") == "other" else None,
        "approved": statement.pk if statement else None,
        "sent": statement.pk if statement else None,
        "now": f"{timezone.localtime():%Y-%m-%dT%H:%M}",
    }
    return {k: (mapping.get(v) or v) if isinstance(v, str) else v for k, v in extra.items()}


@pytest.mark.parametrize(("name", "who", "not_who", "state", "extra"), CASES)
def test_each_action_for_the_allowed_role_and_refused_for_others(
    client, org, name, who, not_who, state, extra
):
    incident = STATES[state](org)
    data = _data(org, extra, incident)
    # Another department's liaison cannot see it: 404, exactly as if it did not exist.
    assert post(as_user(client, org.p.rsc_liaison), incident, name, data).status_code == 404
    # Somebody who sees it but has no right to this action: 403, and nothing changes.
    before = Incident.objects.get(pk=incident.pk).version
    assert post(as_user(client, getattr(org.p, not_who)), incident, name, data).status_code == 403
    assert Incident.objects.get(pk=incident.pk).version == before
    # Anonymous: to the login page.
    anonymous = Client().post(reverse("incidents:action", args=[incident.pk, name]), data)
    assert anonymous.status_code == 302 and reverse("login") in anonymous["Location"]
    # The right person: done, and redirected back to the incident (a refresh does not repeat it).
    incident = Incident.objects.get(pk=incident.pk)
    response = post(as_user(client, getattr(org.p, who)), incident, name, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == reverse("incidents:detail", args=[incident.pk])


def test_the_detail_page_shows_only_the_actions_this_user_may_take_now(client, org):
    incident = assessed(org, level=2)
    liaison_page = (
        as_user(client, org.p.xsc_liaison)
        .get(reverse("incidents:detail", args=[incident.pk]))
        .content.decode()
    )
    assert 'data-action="progress"' in liaison_page and 'data-action="change_level"' not in liaison_page
    office_page = (
        as_user(client, org.p.clerk).get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    )
    assert 'data-action="change_level"' in office_page and 'data-action="progress"' not in office_page


def test_an_unknown_action_or_a_get_is_refused(client, org):
    incident = assessed(org)
    as_user(client, org.p.clerk)
    assert client.post(reverse("incidents:action", args=[incident.pk, "explode"])).status_code == 404
    assert client.get(reverse("incidents:action", args=[incident.pk, "progress"])).status_code == 405


def test_a_refused_action_keeps_what_was_typed_and_says_why(client, org):
    incident = assessed(org, level=2)
    response = post(
        as_user(client, org.p.xsc_liaison), incident, "end_disposal", {"summary": "我写的处置结果"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "须有经党政办审定的回复通稿" in page and "我写的处置结果" in page
    assert Incident.objects.get(pk=incident.pk).status == Status.IN_DISPOSAL


def test_a_stale_form_is_detected_and_the_typed_text_is_kept(client, org):
    incident = assessed(org, level=3)
    opened = incident.version
    services.incident_change_level(incident=incident, actor=org.p.clerk, to_level=2, reason="别人先改了")
    response = post(
        as_user(client, org.p.clerk),
        incident,
        "change_level",
        {"version": opened, "to_level": 1, "reason": "我的理由"},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "已被他人修改" in page and "我的理由" in page
    assert Incident.objects.get(pk=incident.pk).level == 2


def test_a_double_submit_acts_once(client, org):
    incident = assessed(org, level=2)
    as_user(client, org.p.xsc_liaison)
    data = {"content": "同一份进展", "token": uuid.uuid4().hex}
    first = post(client, incident, "progress", data)
    second = post(client, incident, "progress", data)
    assert first.status_code == 302 and second.status_code == 302
    assert ProgressReport.objects.filter(incident=incident).count() == 1


def test_a_double_submitted_report_files_one_incident(client, org):
    as_user(client, org.p.xsc_staff)
    data = {
        "title": "重复点击",
        "summary": "内容",
        "discovered_at": "2026-01-01T08:00",
        "platform": "微博",
        "url": "https://weibo.example/1",
        "token": uuid.uuid4().hex,
    }
    client.post(reverse("incidents:report"), data)
    client.post(reverse("incidents:report"), data)
    assert Incident.objects.filter(title="重复点击").count() == 1


def test_a_report_with_errors_keeps_everything_typed(client, org):
    as_user(client, org.p.xsc_staff)
    response = client.post(
        reverse("incidents:report"),
        {
            "title": "保留我",
            "summary": "很长的一段描述",
            "discovered_at": "不是时间",
            "platform": "抖音",
            "url": "",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "保留我" in page and "很长的一段描述" in page and "抖音" in page
    assert not Incident.objects.exists()


def test_wrong_types_and_forged_ids_get_clear_errors_not_500(client, org):
    incident = assessed(org, level=2)
    as_user(client, org.p.clerk)
    assert post(client, incident, "change_level", {"to_level": "abc"}).status_code == 400
    assert post(client, incident, "reassign", {"department": 999999, "reason": "x"}).status_code == 400
    assert client.get(reverse("incidents:detail", args=[999999])).status_code == 404
    as_user(client, org.p.approver)
    other = assessed(org, level=2)
    statement = services.statement_save_draft(incident=other, actor=org.p.xsc_liaison, text="x")
    services.statement_submit(statement=statement, actor=org.p.xsc_liaison)
    # A statement id of another incident posted against this one is refused, not applied.
    response = post(client, other, "review", {"statement": 999999, "decision": "approve"})
    assert response.status_code == 400 and "不存在" in response.content.decode()
    assert ReplyStatement.objects.get(pk=statement.pk).status == ReplyStatement.Status.SUBMITTED


def test_csrf_is_enforced_on_every_post_including_htmx(org):
    incident = assessed(org, level=2)
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.p.xsc_liaison)
    url = reverse("incidents:action", args=[incident.pk, "progress"])
    assert client.post(url, {"content": "x", "version": incident.version}).status_code == 403
    assert client.post(url, {"content": "x"}, HTTP_HX_REQUEST="true").status_code == 403
    assert client.post(reverse("notifications:read")).status_code == 403
    assert not ProgressReport.objects.exists()


def test_the_list_filters_searches_and_sorts(client, org):
    first = report(org, title="食堂涨价")
    second = assessed(org, level=2)
    services.source_add(incident=first, actor=org.p.clerk, platform="贴吧", url="https://tieba.example/p/777")
    as_user(client, org.p.clerk)
    page = client.get(reverse("incidents:list"), {"status": "reported"}).content.decode()
    assert first.number in page and second.number not in page
    page = client.get(reverse("incidents:list"), {"q": "tieba.example/p/777"}).content.decode()
    assert first.number in page and second.number not in page
    page = client.get(reverse("incidents:list"), {"level": 2}).content.decode()
    assert second.number in page
    assert client.get(reverse("incidents:list"), {"ordering": "-level", "page": "x"}).status_code == 200
    htmx = client.get(reverse("incidents:list"), {"q": "食堂"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in htmx and 'id="results"' in htmx


def test_the_list_shows_only_what_the_user_may_see(client, org):
    mine = assessed(org, level=3, department=org.xsc)
    page = as_user(client, org.p.rsc_liaison).get(reverse("incidents:list")).content.decode()
    assert mine.number not in page


@pytest.mark.parametrize(
    "url", ["incidents:list", "incidents:home", "dashboard:index", "notifications:list"]
)
def test_list_pages_run_a_constant_number_of_queries(client, org, url):
    as_user(client, org.p.clerk)
    for _ in range(2):
        assessed(org, level=2)
    client.get(reverse(url))  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(reverse(url))
    for _ in range(8):
        assessed(org, level=1, category="A")
    with CaptureQueriesContext(connection) as many:
        client.get(reverse(url))
    assert len(many.captured_queries) == len(few.captured_queries)


def test_statement_queue_shows_the_difference_from_the_previous_version(client, org):
    incident = assessed(org, level=2)
    first = services.statement_save_draft(incident=incident, actor=org.p.xsc_liaison, text="学校高度重视。")
    services.statement_submit(statement=first, actor=org.p.xsc_liaison)
    services.statement_reject(statement=first, actor=org.p.approver, comment="补充措施")
    second = services.statement_save_draft(
        incident=incident, actor=org.p.xsc_liaison, text="学校高度重视，已整改。"
    )
    services.statement_submit(statement=second, actor=org.p.xsc_liaison)
    page = as_user(client, org.p.approver).get(reverse("incidents:statement_queue")).content.decode()
    assert "<ins>，已整改</ins>" in page and "补充措施" in page


def test_statement_diff_escapes_html(client, org):
    incident = assessed(org, level=2)
    first = services.statement_save_draft(incident=incident, actor=org.p.xsc_liaison, text="a")
    services.statement_submit(statement=first, actor=org.p.xsc_liaison)
    services.statement_reject(statement=first, actor=org.p.approver, comment="x")
    second = services.statement_save_draft(
        incident=incident, actor=org.p.xsc_liaison, text="a<script>alert(1)</script>"
    )
    services.statement_submit(statement=second, actor=org.p.xsc_liaison)
    page = as_user(client, org.p.approver).get(reverse("incidents:statement_queue")).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_login_is_throttled_per_username_and_address(org):
    attacker = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(5):
        attacker.post(reverse("login"), {"username": "office_clerk", "password": "wrong"})
    locked = attacker.post(reverse("login"), {"username": "office_clerk", "password": "pw"})
    assert locked.status_code == 429 and "登录失败次数过多" in locked.content.decode()
    # Another person behind the same NAT address, and the same person from elsewhere, still get in.
    colleague = Client(REMOTE_ADDR="10.0.0.7").post(
        reverse("login"), {"username": "xsc_head", "password": "pw"}
    )
    assert colleague.status_code == 302
    elsewhere = Client(REMOTE_ADDR="10.0.0.8").post(
        reverse("login"), {"username": "office_clerk", "password": "pw"}
    )
    assert elsewhere.status_code == 302


def test_registers_register_and_deactivate_liaisons(client, org):
    as_user(client, org.p.clerk)
    response = client.post(
        reverse("departments:liaisons"),
        {"department": org.xsc.pk, "user": org.p.xsc_staff.pk, "phone": "123"},
    )
    assert response.status_code == 302
    liaison = org.xsc.liaisons.get(user=org.p.xsc_staff)
    assert liaison.is_registered
    client.post(reverse("departments:liaison_deactivate", args=[liaison.pk]), {"reason": "调岗"})
    liaison.refresh_from_db()
    assert liaison.status == "inactive"


def test_media_account_register_refuses_an_editor_of_another_department(client, org):
    as_user(client, org.p.clerk)
    rsc_liaison = org.rsc.liaisons.get()
    response = client.post(
        reverse("departments:media_accounts"),
        {
            "platform": "wechat",
            "name": "学生处公众号",
            "url": "",
            "department": org.xsc.pk,
            "editor": rsc_liaison.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 400 and "第十三条" in response.content.decode()


def test_mark_read_never_redirects_off_site(client, org):
    as_user(client, org.p.xsc_head)
    response = client.post(reverse("notifications:read"), {"next": "//evil.example.com/"})
    assert response["Location"] == reverse("notifications:list")


def test_the_list_filters_keep_what_was_chosen(client, org):
    as_user(client, org.p.clerk)
    page = client.get(
        reverse("incidents:list"),
        {"status": "in_disposal", "level": 2, "ordering": "-level", "responsible_department": org.xsc.pk},
    ).content.decode()
    assert '<option value="in_disposal" selected>' in page and '<option value="2" selected>' in page
    assert '<option value="-level" selected>' in page and f'<option value="{org.xsc.pk}" selected>' in page


def test_statement_queue_runs_a_constant_number_of_queries(client, org):
    def waiting_second_version():
        incident = assessed(org, level=2)
        first = services.statement_save_draft(incident=incident, actor=org.p.xsc_liaison, text="第一稿")
        services.statement_submit(statement=first, actor=org.p.xsc_liaison)
        services.statement_reject(statement=first, actor=org.p.approver, comment="改")
        second = services.statement_save_draft(incident=incident, actor=org.p.xsc_liaison, text="第二稿")
        services.statement_submit(statement=second, actor=org.p.xsc_liaison)

    as_user(client, org.p.approver)
    waiting_second_version()
    client.get(reverse("incidents:statement_queue"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("incidents:statement_queue"))
    for _ in range(4):
        waiting_second_version()
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("incidents:statement_queue")).content.decode()
    assert page.count("<ins>") == 5
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_office_records_the_review_meeting_on_the_page_before_archiving(client, org):
    incident = filed(org)
    as_user(client, org.p.clerk)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "记录复盘会" in page and 'id="no-review-meeting"' in page
    typed = {
        "held_at": "2000-01-01T09:00",
        "attendees": "党群工作部、学生处",
        "summary": "发现及时，回应偏慢",
    }
    refused = post(client, incident, "review_meeting", typed)
    assert refused.status_code == 400 and "不能早于舆情上报时间" in refused.content.decode()
    assert "发现及时，回应偏慢" in refused.content.decode()  # what was typed is kept
    typed["held_at"] = f"{timezone.localtime():%Y-%m-%dT%H:%M}"
    assert post(client, incident, "review_meeting", typed).status_code == 302
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert 'id="review-meetings"' in page and "发现及时，回应偏慢" in page
    assert 'id="no-review-meeting"' not in page


def test_adding_evidence_without_a_file_is_refused_in_chinese(client, org):
    incident = assessed(org)
    before = incident.evidence.count()
    response = post(as_user(client, org.p.xsc_liaison), incident, "evidence", {})
    assert response.status_code == 400 and "请选择要上传的文件。" in response.content.decode()
    assert incident.evidence.count() == before
    assert not incident.events.filter(kind="evidence_added").exists()


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "JavaScript:void(0)"])
def test_a_source_that_is_not_a_web_address_is_refused_in_chinese(client, org, url):
    from incidents.models import IncidentSource
    from tests.factories import report

    incident = report(org)
    client.force_login(org.p.xsc_liaison)
    before = IncidentSource.objects.filter(incident=incident).count()
    response = client.post(
        reverse("incidents:action", args=[incident.pk, "source"]),
        {"platform": "某论坛", "url": url, "version": incident.version, "token": "t-" + url[:5]},
    )
    assert response.status_code == 400 and "不是网页地址" in response.content.decode()
    assert "某论坛" in response.content.decode()  # what was typed is still in the form
    assert IncidentSource.objects.filter(incident=incident).count() == before


def test_a_source_typed_without_its_scheme_is_kept(client, org):
    from incidents.models import IncidentSource
    from tests.factories import report

    incident = report(org)
    client.force_login(org.p.xsc_liaison)
    client.post(
        reverse("incidents:action", args=[incident.pk, "source"]),
        {"platform": "微博", "url": "weibo.com/123", "version": incident.version, "token": "t-plain"},
    )
    assert IncidentSource.objects.filter(incident=incident, url="weibo.com/123").exists()
