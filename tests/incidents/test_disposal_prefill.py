"""填写处置表 starts from what the case holds: the progress reports and the result typed at 结束处置 — until
the form is saved; after that it shows what was saved, never the draft again."""

import html as markup
import re

import time_machine
from django.urls import reverse

from incidents import services
from tests.factories import assessed


def disposal_situation_field(client, user, incident) -> str:
    client.force_login(user)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    form = re.search(r'<form[^>]*data-action="disposal_form"[^>]*>(.*?)</form>', page, re.S).group(1)
    textarea = re.search(r'<textarea name="disposal_situation"[^>]*>(.*?)</textarea>', form, re.S)
    return markup.unescape(textarea.group(1)).strip()


def test_the_disposal_form_starts_from_the_progress_reports_and_the_end_summary(client, org):
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        incident = assessed(org, level=3)
    with time_machine.travel("2026-03-02 10:30 +0800", tick=False):
        services.progress_report_add(
            incident=incident, actor=org.p.xsc_liaison, content="已联系发帖学生核实。"
        )
    with time_machine.travel("2026-03-02 15:05 +0800", tick=False):
        services.progress_report_add(
            incident=incident, actor=org.p.xsc_liaison, content="食堂已说明涨价原因，\n学生表示理解。"
        )
        services.disposal_end(
            incident=incident, actor=org.p.xsc_liaison, summary="已回应学生诉求，舆情平息。"
        )

    text = disposal_situation_field(client, org.p.xsc_liaison, incident)
    assert text == (
        "处置经过：\n"
        "03月02日 10:30 已联系发帖学生核实。\n"
        "03月02日 15:05 食堂已说明涨价原因， 学生表示理解。\n"
        "处置结果：已回应学生诉求，舆情平息。"
    )


def test_a_saved_disposal_form_is_never_filled_again(client, org):
    incident = assessed(org, level=3)
    services.progress_report_add(incident=incident, actor=org.p.xsc_liaison, content="已联系发帖学生核实。")
    services.disposal_end(incident=incident, actor=org.p.xsc_liaison, summary="已回应学生诉求。")
    services.disposal_form_save(
        incident=incident,
        actor=org.p.xsc_liaison,
        team_members="张三",
        disposal_situation="我自己写的处置情况",
    )
    assert disposal_situation_field(client, org.p.xsc_liaison, incident) == "我自己写的处置情况"


def test_a_case_with_nothing_to_offer_starts_empty(client, org):
    incident = assessed(org, level=3)
    services.disposal_end(incident=incident, actor=org.p.xsc_liaison)
    assert disposal_situation_field(client, org.p.xsc_liaison, incident) == ""
