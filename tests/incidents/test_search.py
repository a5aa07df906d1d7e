"""The list's search box: words split on spaces (the full-width one too), every word must match, each in any
field — number, title, summary, a source's URL, the reporter's name, the department's name or its registered
liaisons' names; it narrows what the person may see and never widens it; and on PostgreSQL the first page does
not fetch every match."""

import json

import pytest
from django.db import connection
from django.urls import reverse

from departments.models import User
from incidents import access
from incidents.filters import IncidentFilter
from incidents.models import Incident
from incidents.search import MAX_WORDS, search_words
from incidents.views.pages import PAGE_SIZE
from tests.factories import assessed, report


def found(client, user, text: str) -> str:
    client.force_login(user)
    response = client.get(reverse("incidents:list"), {"q": text})
    assert response.status_code == 200
    return response.content.decode()


def named(user: User, full_name: str) -> User:
    User.objects.filter(pk=user.pk).update(full_name=full_name)
    return user


def test_every_word_must_match_each_in_any_field(client, org):
    both = report(org, title="宿舍楼夜间停电", summary="三号楼热水器无法使用。")
    one = report(org, title="宿舍楼夜间停电", summary="网民反映楼道照明不足。")
    other = report(org, title="热水器漏水", summary="网民反映浴室地面湿滑。")
    for text in ("宿舍 热水器", "  热水器   宿舍 ", "宿舍\u3000热水器"):  # the ideographic space splits too
        page = found(client, org.p.clerk, text)
        assert both.number in page and one.number not in page and other.number not in page, text
    page = found(client, org.p.clerk, "宿舍")
    assert both.number in page and one.number in page and other.number not in page


def test_the_words_of_the_search_box():
    assert search_words("宿舍\u3000热水器 宿舍\t食堂") == ["宿舍", "热水器", "食堂"]
    assert search_words("   \u3000 ") == []
    assert search_words("x" * 150) == ["x" * 100]  # the box is read up to 100 characters


def test_the_number_and_a_source_url_are_still_searched(client, org):
    first = report(org, sources=[("贴吧", "https://tieba.example/p/777")])
    second = report(org)
    page = found(client, org.p.clerk, f"tieba.example/p/777 {first.number}")
    assert first.number in page and second.number not in page


def test_the_reporters_name_finds_their_cases(client, org):
    named(org.p.rsc_liaison, "王晓明")
    theirs = report(org, reporter=org.p.rsc_liaison, title="图书馆座位预约系统故障")
    another = report(org, title="图书馆座位预约系统故障")
    page = found(client, org.p.clerk, "王晓明 图书馆")
    assert theirs.number in page and another.number not in page
    assert theirs.number in found(client, org.p.clerk, "rsc_liaison")  # the username too


def test_the_departments_name_finds_the_cases_it_reports_or_handles(client, org):
    handled = assessed(org, department=org.rsc)  # reported by 学生处, handled by 人事处
    elsewhere = assessed(org, department=org.xsc)
    page = found(client, org.p.clerk, "人事处")
    assert handled.number in page and elsewhere.number not in page
    page = found(client, org.p.clerk, "学生处")
    assert handled.number in page and elsewhere.number in page


def test_a_registered_liaisons_name_finds_the_departments_cases(client, org):
    named(org.p.xsc_liaison, "赵联络")
    xsc = report(org, reporter=org.p.clerk, department=org.xsc, title="校园网夜间断网")
    rsc = report(org, reporter=org.p.clerk, department=org.rsc, title="校园网夜间断网")
    page = found(client, org.p.clerk, "赵联络")
    assert xsc.number in page and rsc.number not in page


def test_a_search_never_widens_what_a_liaison_sees(client, org):
    """The 人事处 liaison searching 学生处's name sees only the rows it may see anyway."""
    xsc_only = assessed(org, department=org.xsc)
    theirs = assessed(org, department=org.rsc)  # reported by 学生处, handled by 人事处: visible to them
    named(org.p.xsc_liaison, "赵联络")
    for text in ("学生处", "赵联络", "食堂"):
        page = found(client, org.p.rsc_liaison, text)
        assert xsc_only.number not in page and theirs.number in page, text
    visible = access.incidents_visible_to(org.p.rsc_liaison)
    searched = IncidentFilter({"q": "学生处"}, queryset=visible).qs
    assert set(searched) == {theirs}


def test_too_many_words_are_refused_in_chinese_and_kept(client, org):
    report(org)
    text = " ".join(f"词{i}" for i in range(MAX_WORDS + 1))
    page = found(client, org.p.clerk, text)
    assert 'id="filter-errors"' in page and f"最多可输入 {MAX_WORDS} 个搜索词" in page
    assert f'value="{text}"' in page  # what was typed stays in the box


@pytest.mark.postgresql_only(
    reason="the query plan of PostgreSQL: the list's index walked, stopping at the page"
)
def test_the_first_page_of_a_common_word_does_not_fetch_every_match(org):
    """The search is a condition on the row, so the list's index on reported_at can be walked newest first and
    stopped after a page: no plan node over the incidents yields every match (the former list of matching ids,
    a UNION, had to gather them all and sort them). On a small table the planner would rather read it whole, so
    the test switches the other plans off and asks whether this one is possible at all."""
    template = report(org, title="食堂饭菜涨价", summary="网民发帖。")
    fields = {
        f.attname: getattr(template, f.attname)
        for f in Incident._meta.concrete_fields
        if not f.primary_key and f.attname not in ("number",)
    }
    rows, matches = [], 0
    for i in range(4 * PAGE_SIZE * 3):
        common = i % 4 == 0  # a word in a quarter of the titles
        matches += common
        rows.append(
            Incident(
                **{**fields, "title": f"{'宿舍热水' if common else '操场照明'}问题 {i}"}, number=f"T-{i}"
            )
        )
    Incident.objects.bulk_create(rows)
    assert matches > 2 * PAGE_SIZE
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE incidents_incident")
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort", "enable_hashjoin"):
            cursor.execute(f"SET LOCAL {setting} = off")
    queryset = IncidentFilter({"q": "宿舍热水"}, queryset=access.incidents_visible_to(org.p.clerk)).qs
    page = queryset.order_by("-reported_at", "-id")[:PAGE_SIZE]
    assert len(page) == PAGE_SIZE
    plan = json.loads(page.explain(format="json", analyze=True))[0]["Plan"]

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    over_incidents = [n for n in nodes(plan) if n.get("Relation Name") == "incidents_incident"]
    assert over_incidents and all(n["Actual Rows"] <= PAGE_SIZE for n in over_incidents), plan
    assert any(n.get("Index Name") == "incident_recent" for n in over_incidents), plan
