"""Forms that know the rules: the assess form carries the category→level rule the server enforces, and each
action says before it is chosen what it still needs — exactly when its service would refuse it."""

import html as markup
import json
import re

import pytest
from django.urls import reverse

from incidents import services
from incidents.forms import AssessForm
from incidents.models import Incident, ReplyStatement, Status
from opinion_system.errors import DomainError
from tests.factories import (
    approved_statement,
    assessed,
    ended,
    filed,
    level_one_duties_done,
    report,
    reviewed,
    submitted,
    submitted_statement,
)


def post(client, incident, name, data=None):
    incident.refresh_from_db()
    payload = {"version": incident.version, **(data or {})}
    return client.post(reverse("incidents:action", args=[incident.pk, name]), payload)


def page(client, user, incident) -> str:
    client.force_login(user)
    response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert response.status_code == 200
    return response.content.decode()


def action_form(html: str, name: str) -> str:
    match = re.search(rf'<form[^>]*data-action="{name}"[^>]*>(.*?)</form>', html, re.S)
    assert match, f"no form for {name}"
    return match.group(1)


def blocked(html: str, name: str, hint_id: str) -> bool:
    """The hint is shown in the action's form and its buttons are disabled; the header says why."""
    form = action_form(html, name)
    shown = f'id="{hint_id}"' in form
    disabled = re.search(r"<button type=\"submit\"[^>]*\bdisabled\b", form) is not None
    assert shown == disabled, f"{name}: hint {shown}, disabled buttons {disabled}"
    return shown


# --- 研判: A类 selects and locks 一级 (第十条) -------------------------------------------------------------------


def test_the_assess_form_carries_the_category_level_rule(client, org):
    incident = report(org)
    html = action_form(page(client, org.p.clerk, incident), "assess")
    select = re.search(r'<select name="category"[^>]*>', html).group(0)
    attrs = {k: markup.unescape(v) for k, v in re.findall(r'(data-level-[\w-]+)="([^"]*)"', select)}
    assert json.loads(attrs["data-level-for-category"]) == {"A": "1"}
    assert attrs["data-level-field"] == "level"
    notes = json.loads(attrs["data-level-note"])
    assert notes == {"A": "A.意识形态类舆情须直接启动一级舆情响应（第十条），级别已锁定。"}


def test_the_rule_on_the_form_is_the_rule_of_the_server(db):
    # One source of truth: the attribute is drawn from rules.LEVEL_DEMANDED.
    attrs = AssessForm().fields["category"].widget.attrs
    assert attrs["data-level-for-category"] == '{"A": "1"}'


def test_the_server_still_refuses_a_category_a_at_level_two(client, org):
    incident = report(org)
    client.force_login(org.p.clerk)
    response = post(
        client, incident, "assess", {"category": "A", "level": 2, "responsible_department": org.xsc.pk}
    )
    assert response.status_code == 400
    assert "必须直接启动一级舆情响应" in response.content.decode()
    assert Incident.objects.get(pk=incident.pk).status == Status.REPORTED
    with pytest.raises(DomainError):
        services.incident_assess(
            incident=incident, actor=org.p.clerk, category="A", level=2, responsible_department=org.xsc
        )


# --- preconditions shown before the click ---------------------------------------------------------------------


def test_ending_a_level_two_disposal_says_it_needs_an_approved_statement(client, org):
    incident = assessed(org, level=2)
    html = page(client, org.p.xsc_liaison, incident)
    assert blocked(html, "end_disposal", "no-approved-statement")
    assert "需先有经党政办审定的回复通稿" in html  # beside 结束处置, before it is opened
    assert post(client, incident, "end_disposal").status_code == 400  # the service refuses it too

    approved_statement(org, incident)
    assert not blocked(page(client, org.p.xsc_liaison, incident), "end_disposal", "no-approved-statement")
    assert post(client, incident, "end_disposal").status_code == 302


def test_an_older_approved_statement_still_lets_the_disposal_end(client, org):
    """The page reads only the latest versions; an approved one further back still counts (第十条)."""
    incident = assessed(org, level=2)
    approved_statement(org, incident, "第一版")
    for n in range(
        6
    ):  # newer versions, each returned by 党政办, push the approved one out of the latest five
        statement = submitted_statement(org, incident, f"修改稿 {n}")
        services.statement_reject(statement=statement, actor=org.p.approver, comment="请再修改")
    html = page(client, org.p.xsc_liaison, incident)
    assert "第一版" not in html  # not among the versions the page shows
    assert not blocked(html, "end_disposal", "no-approved-statement")
    assert post(client, incident, "end_disposal").status_code == 302


def test_ending_a_level_three_disposal_needs_no_statement(client, org):
    incident = assessed(org, level=3)
    assert not blocked(page(client, org.p.xsc_liaison, incident), "end_disposal", "no-approved-statement")
    assert post(client, incident, "end_disposal").status_code == 302


def test_ending_a_level_one_disposal_says_which_duties_are_open(client, org):
    incident = assessed(org, level=1, category="A")
    approved_statement(org, incident)
    html = page(client, org.p.xsc_liaison, incident)
    assert blocked(html, "end_disposal", "open-duties") and "需先完成一级响应事项" in html
    assert post(client, incident, "end_disposal").status_code == 400

    level_one_duties_done(org, incident)
    assert not blocked(page(client, org.p.xsc_liaison, incident), "end_disposal", "open-duties")
    assert post(client, incident, "end_disposal").status_code == 302


def test_a_new_statement_waits_while_one_is_with_the_approver(client, org):
    incident = assessed(org, level=2)
    submitted_statement(org, incident)
    assert blocked(page(client, org.p.xsc_liaison, incident), "statement", "statement-waiting")
    assert post(client, incident, "statement", {"text": "第二版"}).status_code == 400

    services.statement_reject(statement=incident.statements.get(), actor=org.p.approver, comment="口径需统一")
    assert not blocked(page(client, org.p.xsc_liaison, incident), "statement", "statement-waiting")
    assert post(client, incident, "statement", {"text": "第二版"}).status_code == 302
    assert incident.statements.filter(status=ReplyStatement.Status.DRAFT).count() == 1


def test_a_category_a_case_cannot_change_its_level(client, org):
    incident = assessed(org, level=1, category="A")
    html = page(client, org.p.clerk, incident)
    assert blocked(html, "change_level", "level-demanded") and "须保持一级舆情" in html
    for level in (1, 2, 3):
        assert post(client, incident, "change_level", {"to_level": level, "reason": "试"}).status_code == 400

    other = assessed(org, level=2, category="C")
    assert not blocked(page(client, org.p.clerk, other), "change_level", "level-demanded")
    assert post(client, other, "change_level", {"to_level": 1}).status_code == 302


def test_signing_and_asking_for_a_signature_need_a_filled_form(client, org):
    incident = ended(org, level=3)
    assert blocked(page(client, org.p.xsc_liaison, incident), "request_signature", "form-incomplete")
    assert post(client, incident, "request_signature").status_code == 400
    assert blocked(page(client, org.p.xsc_head, incident), "sign", "form-incomplete")
    assert post(client, incident, "sign").status_code == 400

    services.disposal_form_save(
        incident=incident, actor=org.p.xsc_liaison, team_members="张三", disposal_situation="已回应"
    )
    assert not blocked(page(client, org.p.xsc_liaison, incident), "request_signature", "form-incomplete")
    assert post(client, incident, "request_signature").status_code == 302
    assert not blocked(page(client, org.p.xsc_head, incident), "sign", "form-incomplete")
    assert post(client, incident, "sign").status_code == 302
    # Signed: asking again is refused, and said so.
    assert blocked(page(client, org.p.xsc_liaison, incident), "request_signature", "already-signed")
    assert post(client, incident, "request_signature").status_code == 400


def test_sending_the_form_needs_the_heads_signature(client, org):
    incident = ended(org, level=3)
    services.disposal_form_save(
        incident=incident, actor=org.p.xsc_liaison, team_members="张三", disposal_situation="已回应"
    )
    html = page(client, org.p.xsc_liaison, incident)
    assert blocked(html, "submit_form", "not-signed") and "需先经部门负责人签字" in html
    assert post(client, incident, "submit_form").status_code == 400

    services.disposal_form_sign(incident=incident, actor=org.p.xsc_head)
    assert not blocked(page(client, org.p.xsc_liaison, incident), "submit_form", "not-signed")
    assert post(client, incident, "submit_form").status_code == 302


def test_filing_needs_the_leaders_opinion_and_a_waiver_needs_none_given(client, org):
    incident = submitted(org)
    html = page(client, org.p.clerk, incident)
    assert blocked(html, "file", "no-leader-opinion")
    assert not blocked(html, "waive_opinion", "opinion-given")
    assert post(client, incident, "file").status_code == 400

    services.disposal_form_leader_opinion(incident=incident, actor=org.p.xsc_leader, opinion="同意")
    html = page(client, org.p.clerk, incident)
    assert not blocked(html, "file", "no-leader-opinion")
    assert blocked(html, "waive_opinion", "opinion-given")
    assert post(client, incident, "waive_opinion", {"reason": "外出"}).status_code == 400
    assert post(client, incident, "file").status_code == 302


def test_archiving_needs_a_review_meeting_or_its_waiver(client, org):
    incident = filed(org)
    html = page(client, org.p.clerk, incident)
    assert blocked(html, "archive", "no-review-meeting") and "需先记录复盘会或登记免于复盘" in html
    assert post(client, incident, "archive").status_code == 400

    reviewed(org, incident)
    assert not blocked(page(client, org.p.clerk, incident), "archive", "no-review-meeting")
    assert post(client, incident, "archive").status_code == 302
