"""Forms are drawn by Django through one base (opinion_system.forms, jinja2/forms/): no template writes a widget
out by hand, and the pages outside the incident page (login, password, report, registers, archive, security log,
the statement queue) label every control and tie each error to its field."""

import re
from pathlib import Path

from django import forms
from django.conf import settings
from django.urls import reverse

from tests.factories import assessed, submitted_statement
from tests.incidents.test_form_rendering import Page

ROOT = Path(settings.BASE_DIR)

# The only widgets a template may still write: markup no form field backs (each says why).
ALLOWED = {}
WIDGET = re.compile(r"<(input|select|textarea)\b")


def templates() -> list[str]:
    """Every template of the project and its apps (not the virtualenv's)."""
    folders = [ROOT / "templates", ROOT / "jinja2", *ROOT.glob("*/templates")]
    return sorted(str(p.relative_to(ROOT)) for folder in folders for p in folder.rglob("*.html"))


def test_no_template_writes_out_a_widget():
    written = [
        path
        for path in templates()
        if path not in ALLOWED and WIDGET.search((ROOT / path).read_text(encoding="utf-8"))
    ]
    assert written == []


def test_there_is_one_field_template():
    assert [p for p in templates() if re.search(r"(^|/)_?field\.html$", p)] == ["jinja2/forms/field.html"]


def controls(html: str) -> dict[str, dict]:
    page = Page(html)
    for _, control in page.controls:
        assert page.labels.get(control["id"]), f"{control['name']} has no label"
    return {c["name"]: c for _, c in page.controls}, page


def test_the_login_form_is_djangos_drawn_by_the_base(client, org):
    response = client.get(reverse("login"), {"next": "/incidents/"})
    found, page = controls(response.content.decode())
    assert set(found) == {"username", "password"}
    assert found["username"]["id"] == "id_username" and "autofocus" in found["username"]
    assert found["password"]["type"] == "password" and found["password"]["autocomplete"] == "current-password"
    assert page.labels["id_username"] == "用户名" and page.labels["id_password"] == "密码"
    assert 'name="next" value="/incidents/"' in response.content.decode()


def test_a_refused_login_says_so_and_keeps_only_a_safe_next(client, org):
    response = client.post(reverse("login"), {"username": "clerk", "password": "wrong", "next": "//evil.com"})
    html = response.content.decode()
    assert "用户名或密码不正确，请重新输入。" in html
    assert "evil.com" not in html
    found, _ = controls(html)
    assert found["username"]["value"] == "clerk" and "value" not in found["password"]


def test_the_login_still_signs_in_and_goes_back(client, org):
    username = org.p.clerk.username
    response = client.post(reverse("login"), {"username": username, "password": "pw", "next": "/statements/"})
    assert response.status_code == 302 and response["Location"] == "/statements/"


def test_the_password_form_ties_its_errors_to_its_fields(client, org):
    client.force_login(org.p.clerk)
    url = reverse("accounts:password_change")
    response = client.post(url + "?next=/incidents/", {"old_password": "nope", "next": "/incidents/"})
    found, page = controls(response.content.decode())
    assert set(found) == {"old_password", "new_password1", "new_password2"}
    old = found["old_password"]
    assert "is-invalid" in old["class"].split() and page.text[old["aria-describedby"].split()[-1]].strip()
    assert 'name="next" value="/incidents/"' in response.content.decode()


def test_each_liaison_row_has_its_own_labelled_reason(client, org):
    client.force_login(org.p.clerk)
    found_ids = []
    response = client.get(reverse("departments:liaisons"))
    page = Page(response.content.decode())
    for _, control in page.controls:
        assert page.labels.get(control["id"]), f"{control['name']} has no label"
        if control["name"] == "reason":
            found_ids.append(control["id"])
    assert found_ids and all(re.fullmatch(r"deactivate-\d+-reason", i) for i in found_ids)
    assert len(set(found_ids)) == len(found_ids)
    assert {c["name"] for _, c in page.controls} >= {"department", "user", "phone"}


def test_a_refused_media_account_shows_its_errors_under_the_fields(client, org):
    client.force_login(org.p.clerk)
    response = client.post(reverse("departments:media_accounts"), {"platform": "", "name": ""})
    assert response.status_code == 400
    found, page = controls(response.content.decode())
    assert {"platform", "name", "url", "department", "editor", "is_active"} <= set(found)
    name = found["name"]
    assert "is-invalid" in name["class"].split() and page.text[name["aria-describedby"]].strip()
    assert "form-check-input" in found["is_active"]["class"]


def test_a_refused_export_period_shows_its_errors_under_the_dates(client, org):
    client.force_login(org.p.clerk)
    response = client.post(reverse("reports:archive"), {"start": "昨天", "end": "2026-01-01"})
    found, page = controls(response.content.decode())
    start = found["start"]
    assert start["type"] == "date" and "is-invalid" in start["class"].split()
    assert "起始日期格式不正确" in page.text[start["aria-describedby"]]
    assert found["end"]["value"] == "2026-01-01" and "is-invalid" not in found["end"]["class"].split()


def test_the_security_log_filter_is_a_styled_form():
    from audit.selectors import events

    form = events({"username": "clerk", "start": "2026-13-01"}).form
    html = "".join(str(field.as_field_group()) for field in form)
    found, page = controls(html)
    assert set(found) == {"kind", "result", "username", "ip", "start", "end"}
    assert found["kind"]["class"] == "form-select form-select-sm"
    assert found["username"]["value"] == "clerk" and "form-control-sm" in found["username"]["class"]
    assert "is-invalid" in found["start"]["class"].split() and page.text[found["start"]["aria-describedby"]]


def test_each_queued_statement_has_its_own_review_form(client, org):
    first = submitted_statement(org, assessed(org, level=2))
    second = submitted_statement(org, assessed(org, level=3), "另一份通稿")
    client.force_login(org.p.approver)
    html = client.get(reverse("incidents:statement_queue")).content.decode()
    found = Page(html)
    comments = [c for _, c in found.controls if c["name"] == "comment"]
    assert sorted(c["id"] for c in comments) == sorted(f"review-{s.pk}-comment" for s in (first, second))
    for comment in comments:
        assert found.labels[comment["id"]] == "审定意见"
    for s in (first, second):
        assert f'name="statement" value="{s.pk}"' in html and f'id="review-{s.pk}-token"' in html
    assert html.count(f'name="next" value="{reverse("incidents:statement_queue")}"') == 2


def test_a_review_from_the_queue_goes_back_to_the_queue(client, org):
    statement = submitted_statement(org, assessed(org, level=2))
    client.force_login(org.p.approver)
    html = client.get(reverse("incidents:statement_queue")).content.decode()
    token = re.search(rf'name="token" value="([^"]+)" id="review-{statement.pk}-token"', html)
    token = token or re.search(rf'id="review-{statement.pk}-token"[^>]*value="([^"]+)"', html)
    data = {"statement": statement.pk, "token": token.group(1), "comment": "", "decision": "approve"}
    data["next"] = reverse("incidents:statement_queue")
    response = client.post(reverse("incidents:action", args=[statement.incident_id, "review"]), data)
    assert response.status_code == 302 and response["Location"] == reverse("incidents:statement_queue")
    statement.refresh_from_db()
    assert statement.status == "approved"


def test_the_report_form_keeps_the_ids_the_browser_tests_use(client, org):
    client.force_login(org.p.xsc_staff)
    found, page = controls(client.get(reverse("incidents:report")).content.decode())
    names = [
        "title",
        "summary",
        "discovered_at",
        "platform",
        "url",
        "platform_2",
        "url_2",
        "department",
        "files",
    ]
    assert list(found) == names
    assert all(found[name]["id"] == f"id_{name}" for name in names)
    assert "multiple" in found["files"] and "10 MB" in page.text[found["files"]["aria-describedby"]]


def test_a_refused_report_keeps_what_was_typed_with_the_errors_under_the_fields(client, org):
    client.force_login(org.p.xsc_staff)
    response = client.post(reverse("incidents:report"), {"title": "食堂 & <饭菜>", "platform": ""})
    assert response.status_code == 400
    found, page = controls(response.content.decode())
    assert found["title"]["value"] == "食堂 & <饭菜>"
    platform = found["platform"]
    assert "is-invalid" in platform["class"].split()
    assert (
        str(forms.Field.default_error_messages["required"])
        in page.text[platform["aria-describedby"].split()[-1]]
    )
