"""专报 (第九条): drafted from the incident for the office to edit, read back from Word and PDF; only the office
opens it (403 for others who see the incident, 404 for who does not)."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from docx import Document
from pypdf import PdfReader

from incidents import services
from reports import upward
from tests.factories import approved_statement, assessed


@pytest.fixture
def level_one(org):
    incident = assessed(org, level=1, category="E")
    services.progress_report_add(
        incident=incident, actor=org.p.xsc_liaison, content="已约谈发帖学生，情绪平稳"
    )
    services.upward_report_add(
        incident=incident, actor=org.p.clerk, authority="省委教育工委网络舆情处置办公室", channel="phone",
        content="首报基本情况",
    )  # fmt: skip
    services.contact_log_add(
        incident=incident, actor=org.p.clerk, counterpart="四川日报", kind="media", channel="phone",
        content="请其客观报道",
    )  # fmt: skip
    approved_statement(org, incident)
    return incident


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_draft_holds_what_the_superior_authority_needs(org, level_one):
    text = upward.brief_text(level_one)
    for part in (level_one.number, level_one.title, level_one.summary, "一级舆情", "E.重大安全和群体事件类",
                 "学生处", "已约谈发帖学生", "首报", "省委教育工委网络舆情处置办公室", "四川日报",
                 "向上级网络舆情主管部门报告"):  # fmt: skip
        assert part in text, part


def test_the_page_is_prefilled_and_the_office_downloads_word_and_pdf_of_what_it_edited(org, level_one):
    client = client_for(org.p.clerk)
    url = reverse("reports:upward_brief", args=[level_one.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert level_one.summary in page.content.decode() and 'name="text"' in page.content.decode()
    edited = upward.brief_text(level_one) + "\n补充：校方已成立工作专班。"
    title = upward.brief_title(level_one)

    word = client.post(url, {"title": title, "text": edited, "format": "docx"})
    assert word.status_code == 200 and word["Content-Disposition"].startswith("attachment")
    document = Document(io.BytesIO(word.content))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == title
    assert "补充：校方已成立工作专班。" in paragraphs and level_one.number in "\n".join(paragraphs)

    printed = client.post(url, {"title": title, "text": edited, "format": "pdf"})
    assert printed.status_code == 200 and printed["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(printed.content))
    text = "".join(page.extract_text() for page in reader.pages)
    squeezed = "".join(text.split())
    assert "网络舆情专报" in squeezed and "补充：校方已成立工作专班。" in squeezed
    assert level_one.number in squeezed
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert abs(width - 595.3) < 2 and abs(height - 841.9) < 2  # A4


def test_an_empty_text_is_refused_in_chinese(org, level_one):
    answer = client_for(org.p.clerk).post(
        reverse("reports:upward_brief", args=[level_one.pk]), {"title": "专报", "text": "", "format": "pdf"}
    )
    assert answer.status_code == 400 and "字段是必填项" in answer.content.decode()


def test_only_the_office_opens_the_brief(org, level_one):
    url = reverse("reports:upward_brief", args=[level_one.pk])
    assert (
        client_for(org.p.xsc_liaison).get(url).status_code == 403
    )  # sees the incident, does not report upward
    assert client_for(org.p.leader).get(url).status_code == 403
    assert client_for(org.p.outsider).get(url).status_code == 404
    assert (
        client_for(org.p.rsc_liaison).post(url, {"title": "x", "text": "y", "format": "docx"}).status_code
        == 404
    )


def test_control_characters_pasted_into_the_text_do_not_break_the_files(org, level_one):
    client = client_for(org.p.clerk)
    url = reverse("reports:upward_brief", args=[level_one.pk])
    for kind in ("docx", "pdf"):
        answer = client.post(url, {"title": "专报\x07", "text": "正文\x0b第二段\x1f", "format": kind})
        assert answer.status_code == 200, kind
    document = Document(
        io.BytesIO(client.post(url, {"title": "专报\x07", "text": "正文\x1f", "format": "docx"}).content)
    )
    assert [p.text for p in document.paragraphs] == ["专报", "正文"]
