"""The detail page writes its action forms out itself (Django's widget templates were a third of the page): every
field must come out exactly as Django's own widget renders it — name, id, classes, rows, maxlength, required,
aria-*, the value typed or given — blank and bound with errors."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.factories import assessed, report


class Tokens(HTMLParser):
    """The markup as a list of tags (attributes in any order) and non-blank texts."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.items: list[tuple] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.items.append(("<", tag, frozenset(attrs)))

    def handle_endtag(self, tag):
        self.items.append((">", tag))

    def handle_data(self, data):
        if data.strip():
            self.items.append(("text", data.strip()))


def contains(whole: list, part: list) -> bool:
    return any(whole[i : i + len(part)] == part for i in range(len(whole) - len(part) + 1))


def check_forms(response) -> set[str]:
    """Each action form's fields, as Django renders them, appear in that form on the page; returns the names."""
    page = response.content.decode()
    for name, form in response.context["actions"].items():
        start = page.index(f'data-action="{name}"')
        markup = Tokens(page[start : page.index("</form>", start)]).items
        for field in form:
            assert contains(markup, Tokens(str(field)).items), f"{name}.{field.name}: {field}"
    return set(response.context["actions"])


@pytest.mark.parametrize(
    ("make", "user", "expected"),
    [
        (report, "clerk", {"assess", "merge", "evidence"}),
        (lambda org: assessed(org, level=2), "clerk", {"change_level", "reassign", "evidence"}),
        (lambda org: assessed(org, level=1, category="A"), "clerk", {"duty"}),
        (lambda org: assessed(org, level=2), "xsc_liaison", {"progress", "statement", "end_disposal"}),
    ],
)
def test_blank_action_forms_render_as_django_renders_them(client, org, make, user, expected):
    incident = make(org)
    client.force_login(getattr(org.p, user))
    assert expected <= check_forms(client.get(reverse("incidents:detail", args=[incident.pk])))


@pytest.mark.parametrize(
    ("user", "name", "data"),
    [
        ("xsc_liaison", "progress", {"content": ""}),
        ("xsc_liaison", "end_disposal", {"summary": "我写的<处置>结果"}),
        ("clerk", "change_level", {"to_level": "", "reason": "理由 & 说明"}),
        ("clerk", "reassign", {"department": "999999", "reason": ""}),
    ],
)
def test_a_refused_action_renders_its_typed_values_and_errors_as_django_does(client, org, user, name, data):
    incident = assessed(org, level=2)
    client.force_login(getattr(org.p, user))
    url = reverse("incidents:action", args=[incident.pk, name])
    response = client.post(url, {"version": incident.version, **data})
    assert response.status_code in (400, 409)
    assert name in check_forms(response)
    assert response.context["actions"][name].errors
