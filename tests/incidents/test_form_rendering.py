"""Forms are drawn by Django (opinion_system.forms, jinja2/forms/): a refused form shows the Chinese error under
its field, tied to it for a screen reader, and keeps what was typed; every control has its label; the forms on
one statement's row name their fields after that statement."""

from html.parser import HTMLParser

from django import forms
from django.urls import reverse

from tests.factories import approved_statement, assessed, report


class Page(HTMLParser):
    """Each id'd element and the text inside it, the labels, and the controls (a textarea's text as its value)
    with the form each is in."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.by_id: dict[str, dict] = {}
        self.text: dict[str, str] = {}
        self.labels: dict[str, str] = {}  # the id a label is for → the label's text
        self.controls: list[tuple[str, dict]] = []  # (the form's data-action, the control's attributes)
        self._open: list[tuple[str, str | None]] = []  # (tag, id) of the elements we are inside
        self._form = ""
        self._label: str | None = None
        self._textarea: dict | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = {k: v or "" for k, v in attrs}
        if "id" in attrs:
            self.by_id[attrs["id"]] = {"tag": tag, **attrs}
            self.text[attrs["id"]] = ""
        if tag == "form":
            self._form = (
                attrs.get("data-action") or attrs.get("data-statement-action") or attrs.get("method", "")
            )
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            self.controls.append((self._form, attrs))
        if tag == "textarea":
            attrs["value"], self._textarea = "", attrs
        if tag == "label":
            self._label = attrs.get("for", "")
            self.labels[self._label] = ""
        if tag not in ("input", "br", "img", "meta", "link"):
            self._open.append((tag, attrs.get("id")))

    def handle_endtag(self, tag):
        while self._open:
            opened, _ = self._open.pop()
            if opened == tag:
                break
        if tag == "label":
            self._label = None
        if tag == "textarea" and self._textarea is not None:
            self._textarea["value"] = self._textarea["value"].removeprefix("\n")
            self._textarea = None

    def handle_data(self, data):
        for _, element_id in self._open:
            if element_id:
                self.text[element_id] += data
        if self._label is not None:
            self.labels[self._label] += data.strip()
        if self._textarea is not None:
            self._textarea["value"] += data


def detail(client, user, incident):
    client.force_login(user)
    return client.get(reverse("incidents:detail", args=[incident.pk]))


def test_a_refused_action_shows_the_error_under_its_field_and_keeps_what_was_typed(client, org):
    incident = assessed(org, level=2)
    client.force_login(org.p.clerk)
    url = reverse("incidents:action", args=[incident.pk, "change_level"])
    response = client.post(url, {"version": incident.version, "to_level": "", "reason": "理由 & <说明>"})
    assert response.status_code == 400
    page = Page(response.content.decode())
    controls = {c["name"]: c for form, c in page.controls if form == "change_level"}
    level, reason = controls["to_level"], controls["reason"]
    assert page.labels[level["id"]] == "调整为"
    assert level["aria-invalid"] == "true" and "is-invalid" in level["class"].split()
    error = level["aria-describedby"]
    assert page.text[error].strip() == str(forms.Field.default_error_messages["required"])
    assert "invalid-feedback" in page.by_id[error]["class"]
    assert reason["value"] == "理由 & <说明>"  # typed, and escaped on the way
    assert "aria-invalid" not in reason and "is-invalid" not in reason["class"]
    assert response.context["open_action"] == "change_level"


def test_every_control_of_the_action_forms_has_its_label(client, org):
    page = Page(detail(client, org.p.clerk, report(org)).content.decode())
    named = [(form, c["name"]) for form, c in page.controls if form in ("assess", "merge", "evidence")]
    assert {name for _, name in named} >= {"category", "level", "responsible_department", "into", "files"}
    for form, control in page.controls:
        if form in ("assess", "merge", "evidence"):
            assert page.labels.get(control["id"]), f"{form}.{control['name']} has no label"


def test_help_text_is_read_with_its_field(client, org):
    page = Page(detail(client, org.p.clerk, report(org)).content.decode())
    into = next(c for form, c in page.controls if form == "merge" and c["name"] == "into")
    assert "YQ-" in page.text[into["aria-describedby"]]


def test_each_statement_row_names_its_fields_after_its_statement(client, org):
    incident = assessed(org, level=2)
    first = approved_statement(org, incident)
    second = approved_statement(org, incident, "回复通稿第二版")
    page = Page(detail(client, org.p.xsc_liaison, incident).content.decode())
    wheres = [c for form, c in page.controls if form == "publish"]
    assert [c["id"] for c in wheres] == [f"publish-{s.pk}-where" for s in (second, first)]  # newest first
    for where in wheres:
        assert page.labels[where["id"]] == "发布渠道/回应对象"
        assert where["maxlength"] == "300" and "required" in where


def test_the_filter_bar_labels_every_control_and_keeps_what_was_typed(client, org):
    client.force_login(org.p.clerk)
    response = client.get(reverse("incidents:list"), {"q": "食堂", "overdue": "on"})
    page = Page(response.content.decode())
    controls = {c["name"]: c for form, c in page.controls if form == "get"}
    assert set(controls) == {"q", "status", "level", "category", "responsible_department",
                             "reported_after", "reported_before", "overdue", "ordering",
                             # the dashboard's drill-down conditions, under 更多条件
                             "stage", "first_report_late", "assessment_late", "filing_late", "escalated",
                             "level_one_open"}  # fmt: skip
    for name, control in controls.items():
        assert control["id"] == f"f-{name}" and page.labels[control["id"]], name
    assert controls["q"]["value"] == "食堂" and controls["q"]["type"] == "search"
    assert "checked" in controls["overdue"]


def test_no_two_controls_on_an_incident_page_share_an_id(client, org):
    """Every action form of the page carries its action in its ids: a label always names its own field."""
    import re

    from django.urls import reverse

    from tests.factories import assessed

    incident = assessed(org, level=2)
    client.force_login(org.p.clerk)
    html = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) > 20
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    for target in re.findall(r'<label[^>]*\bfor="([^"]+)"', html):
        assert target in ids, target
