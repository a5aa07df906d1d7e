"""The incident page's action door: a refused 审定/登记发布 keeps what was typed and says why; evidence is all
or nothing; a stale page is refused, not acted on; each form on a page is its own one-time submission."""

import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from incidents import services
from incidents.models import DisposalForm, Evidence, Incident, IncidentEvent, ReplyStatement, Status
from opinion_system.errors import DomainError, StaleObject
from tests.factories import (
    approved_statement,
    assessed,
    filed,
    png_upload,
    report,
    reviewed,
    submitted,
    submitted_statement,
)


class Inputs(HTMLParser):
    """The fields of the forms on a page, by (the form's action name, its statement or "", field name)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.form: tuple[str, str] | None = None
        self.fields: dict[tuple[str, str, str], dict] = {}
        self.textarea: dict | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            name = attrs.get("data-statement-action") or attrs.get("data-action", "")
            self.form = (name, attrs.get("data-statement", ""))
        elif tag in ("input", "textarea") and self.form and attrs.get("name"):
            self.fields[(*self.form, attrs["name"])] = attrs
            if tag == "textarea":
                attrs["value"], self.textarea = "", attrs

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea["value"] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea is not None:
            self.textarea["value"] = self.textarea["value"].removeprefix("\n")
            self.textarea = None
        elif tag == "form":
            self.form = None


def act(client, incident, name, data):
    return client.post(reverse("incidents:action", args=[incident.pk, name]), data)


def page_of(client, incident) -> str:
    return client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()


# 1. A refused 登记发布 / 审定 keeps what was typed and says why.


def test_a_refused_publish_keeps_the_typed_channel_and_says_it_is_too_long(client, org):
    incident = assessed(org, level=2)
    statement = approved_statement(org, incident)
    client.force_login(org.p.xsc_liaison)
    blank = Inputs(page_of(client, incident)).fields[("publish", str(statement.pk), "where")]
    assert blank["maxlength"] == "300"  # the browser stops it before the server has to
    where = "学院官方微博评论区" * 40  # 360 characters
    response = act(client, incident, "publish", {"statement": statement.pk, "where": where})
    assert response.status_code == 400
    page = response.content.decode()
    typed = Inputs(page).fields[("publish", str(statement.pk), "where")]
    assert typed["value"] == where and typed["aria-invalid"] == "true"
    assert "300" in page and "360" in page  # Django's own message: at most 300, it has 360
    assert ReplyStatement.objects.get(pk=statement.pk).status == ReplyStatement.Status.APPROVED


def test_a_refused_rejection_keeps_the_typed_comment_and_says_why(client, org):
    incident = assessed(org, level=2)
    statement = submitted_statement(org, incident, "通稿")
    client.force_login(org.p.approver)
    data = {"statement": statement.pk, "decision": "reject", "comment": "第二段删去\x00推测性表述"}
    response = act(client, incident, "review", data)
    assert response.status_code == 400
    form = response.context["statement_rows"][0][2]
    assert form.is_bound and form.errors["comment"]
    page = response.content.decode()
    typed = Inputs(page).fields[("review", str(statement.pk), "comment")]
    assert "第二段删去" in typed["value"] and "推测性表述" in typed["value"]
    assert typed["aria-invalid"] == "true" and form.errors["comment"][0] in page
    assert ReplyStatement.objects.get(pk=statement.pk).status == ReplyStatement.Status.SUBMITTED


def test_a_rejection_without_a_comment_says_the_comment_is_needed(client, org):
    incident = assessed(org, level=2)
    statement = submitted_statement(org, incident, "通稿")
    client.force_login(org.p.approver)
    response = act(client, incident, "review", {"statement": statement.pk, "decision": "reject"})
    assert response.status_code == 400
    start = response.content.decode().index('data-statement-action="review"')
    assert "请填写退回意见" in response.content.decode()[start:]
    assert ReplyStatement.objects.get(pk=statement.pk).status == ReplyStatement.Status.SUBMITTED


# 2. Several evidence files: all of them or none.


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_one_bad_file_among_several_stores_none_and_names_the_bad_one(client, org, media):
    incident = assessed(org, level=2)
    before = Incident.objects.get(pk=incident.pk).version
    client.force_login(org.p.xsc_liaison)
    token = uuid.uuid4().hex
    bad = SimpleUploadedFile("坏.png", b"this is not an image at all", content_type="image/png")
    response = act(
        client,
        incident,
        "evidence",
        {"version": before, "token": token, "files": [png_upload("好.png"), bad]},
    )
    assert response.status_code == 400
    assert "坏.png" in response.content.decode()
    assert response.context["open_action"] == "evidence"
    assert not Evidence.objects.filter(incident=incident).exists()
    assert not IncidentEvent.objects.filter(incident=incident, kind="evidence_added").exists()
    assert Incident.objects.get(pk=incident.pk).version == before
    assert stored_files(media) == []
    # The corrected upload goes through with the same form (its token was given back), each file once.
    response = act(
        client,
        incident,
        "evidence",
        {"version": before, "token": token, "files": [png_upload("好.png"), png_upload("另一张.png")]},
    )
    assert response.status_code == 302
    names = sorted(Evidence.objects.filter(incident=incident).values_list("original_name", flat=True))
    # Each file once, each image with its thumbnail (item 3 of the walkthrough).
    assert names == ["另一张.png", "好.png"] and len(stored_files(media)) == 4
    assert len([p for p in stored_files(media) if "thumbnails" in p.parts]) == 2


def test_the_service_checks_every_file_before_storing_any(org, media):
    incident = assessed(org)
    bad = SimpleUploadedFile("坏.png", b"GIF89a not really", content_type="image/gif")
    with pytest.raises(DomainError, match=r"坏\.png"):
        services.evidence_add_files(incident=incident, actor=org.p.xsc_liaison, uploads=[png_upload(), bad])
    assert not Evidence.objects.filter(incident=incident).exists() and stored_files(media) == []


# 3. A page opened before somebody else's change does not act on what its user never saw.


def returned_corrected_and_resubmitted(org, incident) -> None:
    """Meanwhile: returned, corrected, signed again and resubmitted (the office clerk saw none of it)."""
    services.disposal_form_return(incident=incident, actor=org.p.clerk, comment="请补充名单")
    services.disposal_form_save(
        incident=incident, actor=org.p.xsc_liaison, team_members="张三、李四、王五", disposal_situation="改过"
    )
    services.disposal_form_sign(incident=incident, actor=org.p.xsc_head)
    services.disposal_form_submit(incident=incident, actor=org.p.xsc_liaison)


@pytest.mark.parametrize("name", ["file", "return_form"])
def test_审核备案_on_a_stale_page_is_refused_and_keeps_the_comment(client, org, name):
    incident = submitted(org)
    opened = incident.version
    returned_corrected_and_resubmitted(org, incident)
    form_before = DisposalForm.objects.get(incident=incident)
    events = incident.events.count()
    client.force_login(org.p.clerk)
    data = {"version": opened, "token": uuid.uuid4().hex, "comment": "我读过的那一版没问题"}
    response = act(client, incident, name, data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "已被他人修改" in page and "我读过的那一版没问题" in page
    after = Incident.objects.get(pk=incident.pk)
    assert after.status == Status.FORM_SUBMITTED and incident.events.count() == events
    form = DisposalForm.objects.get(incident=incident)
    assert (form.version, form.review_status) == (form_before.version, DisposalForm.ReviewStatus.SUBMITTED)


@pytest.mark.parametrize(
    ("name", "status", "review_status"),
    [
        ("file", Status.FILED, DisposalForm.ReviewStatus.FILED),
        ("return_form", Status.RETURNED, DisposalForm.ReviewStatus.RETURNED),
    ],
)
def test_审核备案_on_a_current_page_acts(client, org, name, status, review_status):
    incident = submitted(org)
    returned_corrected_and_resubmitted(org, incident)
    services.disposal_form_leader_opinion(incident=incident, actor=org.p.xsc_leader, opinion="同意")
    client.force_login(org.p.clerk)
    current = Incident.objects.get(pk=incident.pk).version
    assert f'name="version" value="{current}"' in page_of(client, incident)  # what the page sends
    data = {"version": current, "comment": "已阅"}
    assert act(client, incident, name, {**data, "token": uuid.uuid4().hex}).status_code == 302
    assert Incident.objects.get(pk=incident.pk).status == status
    assert DisposalForm.objects.get(incident=incident).review_status == review_status


@pytest.mark.parametrize("name", ["file", "return_form"])
@pytest.mark.parametrize("version", ["-1", "abc", str(2**63), "1e3"])
def test_a_nonsense_version_is_refused_in_chinese_and_nothing_happens(client, org, name, version):
    incident = submitted(org)
    before = Incident.objects.get(pk=incident.pk).version
    client.force_login(org.p.clerk)
    data = {"version": version, "token": uuid.uuid4().hex, "comment": "意见"}
    response = act(client, incident, name, data)
    assert response.status_code in (400, 409)
    page = response.content.decode()
    assert "请刷新页面" in page and "意见" in page
    after = Incident.objects.get(pk=incident.pk)
    assert (after.status, after.version) == (Status.FORM_SUBMITTED, before)


def stale_cases():
    return [
        ("submit_form", "xsc_liaison", lambda org: _signed(org), {}),
        ("archive", "clerk", lambda org: reviewed(org, filed(org)), {"comment": "归档"}),
        ("merge", "clerk", report, {"into": "other"}),
        ("progress", "xsc_liaison", lambda org: assessed(org, level=2), {"content": "进展"}),
    ]


def _signed(org):
    incident = assessed(org)
    services.disposal_end(incident=incident, actor=org.p.xsc_liaison)
    services.disposal_form_save(
        incident=incident, actor=org.p.xsc_liaison, team_members="张三", disposal_situation="已处理"
    )
    services.disposal_form_sign(incident=incident, actor=org.p.xsc_head)
    return Incident.objects.get(pk=incident.pk)


@pytest.mark.parametrize(("name", "who", "make", "data"), stale_cases())
def test_other_actions_on_a_stale_page_are_refused(client, org, name, who, make, data):
    incident = make(org)
    if data.get("into") == "other":
        data = {**data, "into": assessed(org).number}
    services.evidence_add(
        incident=incident, actor=org.p.clerk, upload=png_upload()
    )  # somebody else, meanwhile
    current = Incident.objects.get(pk=incident.pk)
    client.force_login(getattr(org.p, who))
    stale = act(client, incident, name, {**data, "version": current.version - 1, "token": uuid.uuid4().hex})
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode()
    assert Incident.objects.get(pk=incident.pk).version == current.version
    fresh = act(client, incident, name, {**data, "version": current.version, "token": uuid.uuid4().hex})
    assert fresh.status_code == 302


def test_filing_checks_the_disposal_forms_version_too(org):
    incident = submitted(org)
    form = DisposalForm.objects.get(incident=incident)
    for service in (services.disposal_form_file, services.disposal_form_return):
        with pytest.raises(StaleObject):
            service(
                incident=incident, actor=org.p.clerk, comment="意见", expected_form_version=form.version - 1
            )
    assert DisposalForm.objects.get(incident=incident).review_status == DisposalForm.ReviewStatus.SUBMITTED


# 4. Each form on the page is its own one-time submission.


def sent_as_the_page_has_it(page: str, name: str, statement: str = "", **typed) -> dict:
    """What the browser sends for one form of the page: its hidden fields as given, plus what was typed."""
    fields = Inputs(page).fields
    hidden = {k[2]: v.get("value", "") for k, v in fields.items() if k[:2] == (name, statement)}
    return {k: v for k, v in hidden.items() if fields[(name, statement, k)].get("type") == "hidden"} | typed


def two_approved_versions(org):
    incident = assessed(org, level=2)
    first = approved_statement(org, incident)
    second = approved_statement(org, incident, "回复通稿第二版")
    return incident, first, second


def published(incident) -> list[str]:
    return list(incident.events.filter(kind="statement_published").values_list("message", flat=True))


def test_two_publish_forms_from_one_page_load_both_act(client, org):
    incident, first, second = two_approved_versions(org)
    client.force_login(org.p.xsc_liaison)
    page = page_of(client, incident)
    forms = [
        sent_as_the_page_has_it(page, "publish", str(s.pk), where=f"微博第{s.number}条")
        for s in (first, second)
    ]
    assert forms[0]["token"] and forms[0]["token"] != forms[1]["token"]
    for data in forms:
        assert act(client, incident, "publish", data).status_code == 302
    statuses = set(ReplyStatement.objects.filter(incident=incident).values_list("status", flat=True))
    assert statuses == {ReplyStatement.Status.PUBLISHED} and len(published(incident)) == 2


def test_a_double_submitted_publish_acts_once(client, org):
    incident = assessed(org, level=2)
    statement = approved_statement(org, incident)
    client.force_login(org.p.xsc_liaison)
    data = sent_as_the_page_has_it(
        page_of(client, incident), "publish", str(statement.pk), where="学院官方微博"
    )
    assert act(client, incident, "publish", data).status_code == 302
    again = act(client, incident, "publish", data)
    assert again.status_code == 302
    assert "已经提交过" in client.get(again["Location"]).content.decode()
    assert len(published(incident)) == 1


def test_every_form_on_the_page_has_its_own_token_and_two_of_them_both_act(client, org, media):
    incident = assessed(org, level=2)
    client.force_login(org.p.xsc_liaison)
    page = page_of(client, incident)
    tokens = [v["value"] for k, v in Inputs(page).fields.items() if k[2] == "token"]
    assert len(tokens) >= 3 and len(set(tokens)) == len(tokens)
    progress = sent_as_the_page_has_it(page, "progress", content="已联系当事学生")
    evidence = sent_as_the_page_has_it(page, "evidence", files=[png_upload()])
    assert act(client, incident, "progress", progress).status_code == 302
    assert act(client, incident, "evidence", evidence).status_code == 302
    assert incident.progress_reports.count() == 1 and incident.evidence.count() == 1
