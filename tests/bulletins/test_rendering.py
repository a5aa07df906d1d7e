"""The bulletin as printed, read back: the PDF with pdfplumber and pypdf, the Word file with python-docx.

GB/T 9704-2012: A4; top margin 37 mm, binding (left) margin 28 mm; text block 156 mm × 225 mm; the issuing
organ's name and the separating rule in red. Positions are checked within 1 mm.
"""

import io

import pdfplumber
import pytest
from docx import Document
from docx.shared import RGBColor
from pypdf import PdfReader

from bulletins import rendering
from bulletins.models import ISSUING_ORGAN
from tests.bulletins.conftest import draft, issued

pytestmark = pytest.mark.django_db

MM = 72 / 25.4
LEFT, RIGHT, TOP, BOTTOM = 28, 28 + 156, 37, 37 + 225
FULL_LINE = "舆情" * 14  # 28 characters: exactly one line of the text block


def is_red(color) -> bool:
    return bool(color) and len(color) == 3 and color[0] > 0.8 and color[1] < 0.2 and color[2] < 0.2


@pytest.fixture
def bulletin(org, incident):
    b = issued(org, incidents=[incident], title="关于近期网络舆情情况的通报")
    b.body = "各部门要进一步落实属地管理责任。\n" + FULL_LINE * 30  # a second page
    b.save()
    return b


@pytest.fixture
def pages(bulletin):
    data = rendering.pdf(bulletin)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        yield data, pdf.pages


def test_the_pdf_says_number_title_organ_and_text(bulletin, pages):
    data, found = pages
    text = "".join(page.extract_text() for page in found)
    assert f"〔{bulletin.year}〕第 {bulletin.number} 期" in text
    assert "关于近期网络舆情情况的通报" in text and "各部门要进一步落实属地管理责任。" in text
    assert "食堂饭菜涨价引发学生吐槽" in text and "主送：学生处、人事处" in text
    assert ISSUING_ORGAN in text.replace("\n", "")
    first = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert "舆情通报" in first.replace(" ", "")  # spaced out by letter-spacing
    assert f"〔{bulletin.year}〕第 {bulletin.number} 期" in first


def test_the_organ_name_and_the_rule_are_red_and_the_text_black(pages):
    _, found = pages
    first = found[0]
    red = "".join(c["text"] for c in first.chars if is_red(c["non_stroking_color"]))
    assert red.startswith(ISSUING_ORGAN) and "舆情通报" in red
    body = [c for c in first.chars if c["text"] == "属"]
    assert body and not any(is_red(c["non_stroking_color"]) for c in body)
    rules = [r for r in first.rects if is_red(r["non_stroking_color"]) or is_red(r["stroking_color"])]
    assert rules, "the separating rule is drawn in red"
    rule = rules[0]
    assert abs(rule["x0"] / MM - LEFT) < 1 and abs(rule["x1"] / MM - RIGHT) < 1  # across the text block


def test_the_page_is_a4_with_the_text_block_of_gb_t_9704(pages):
    _, found = pages
    for page in found:
        assert abs(page.width / MM - 210) < 1 and abs(page.height / MM - 297) < 1
    first = found[0]
    lines = [w for page in found for w in page.extract_words() if FULL_LINE[:10] in w["text"]]
    assert len(lines) > 20
    # Lines of the body start at the binding margin and, 28 characters long, end at the right edge of the block.
    assert all(abs(w["x0"] / MM - LEFT) < 1 for w in lines if w["x0"] / MM < LEFT + 5)
    assert max(abs(w["x1"] / MM - RIGHT) for w in lines) < 1
    # The first line's em box (0.88 em above the baseline in Noto CJK) starts on the top margin.
    top_char = min(first.chars, key=lambda c: c["top"])
    em_top = (first.height - (top_char["matrix"][5] + 0.88 * top_char["size"])) / MM
    assert abs(em_top - TOP) < 1
    # Nothing of the text (the page number apart, in the bottom margin) leaves the text block.
    for page in found:
        words = [w for w in page.extract_words() if w["top"] / MM < BOTTOM]
        assert min(w["x0"] for w in words) / MM > LEFT - 1 and max(w["x1"] for w in words) / MM < RIGHT + 1
        assert max(w["bottom"] for w in words) / MM < BOTTOM + 1
    assert len(found) >= 2


def test_a_draft_prints_without_a_number(org):
    data = rendering.pdf(draft(org))
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = pdf.pages[0].extract_text()
    assert "（未编号）（未印发稿）" in text


def test_the_word_file_says_number_title_red_organ_and_text(bulletin):
    document = Document(io.BytesIO(rendering.docx(bulletin)))
    paragraphs = [p.text for p in document.paragraphs]
    assert paragraphs[0] == ISSUING_ORGAN and paragraphs[1] == "舆情通报"
    assert f"〔{bulletin.year}〕第 {bulletin.number} 期" in paragraphs
    assert "关于近期网络舆情情况的通报" in paragraphs and "各部门要进一步落实属地管理责任。" in paragraphs
    assert any("食堂饭菜涨价引发学生吐槽" in p for p in paragraphs)
    red = [r.text for p in document.paragraphs for r in p.runs if r.font.color.rgb == RGBColor(0xFF, 0, 0)]
    assert ISSUING_ORGAN in red and "舆情通报" in red
    number = next(p for p in document.paragraphs if p.text.startswith("〔"))
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    rule = number._p.pPr.find(f"{w}pBdr/{w}bottom")
    assert rule is not None and rule.get(f"{w}color") == "FF0000"  # the red separating rule
    section = document.sections[0]
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    assert round(section.top_margin.mm) == TOP and round(section.left_margin.mm) == LEFT
    assert round(section.page_width.mm - section.left_margin.mm - section.right_margin.mm) == 156
    assert round(section.page_height.mm - section.top_margin.mm - section.bottom_margin.mm) == 225


def test_the_word_file_keeps_markup_in_the_data_as_text(org):
    bulletin = issued(org, title="<b>标题</b> & 说明")
    document = Document(io.BytesIO(rendering.docx(bulletin)))
    assert "<b>标题</b> & 说明" in [p.text for p in document.paragraphs]


def test_the_shipped_template_is_the_one_the_command_draws(tmp_path):
    from django.core.management import call_command

    out = tmp_path / "bulletin.docx"
    call_command("make_bulletin_template", output=str(out), verbosity=0)
    drawn = [p.text for p in Document(str(out)).paragraphs]
    shipped = [p.text for p in Document(str(rendering.DEFAULT_DOCX)).paragraphs]
    assert drawn == shipped
