"""The fonts of the printed forms (reports/pdf/fonts.py): the real Noto CJK faces are found through fontconfig,
their GB2312 cut keeps every GB2312 hanzi and is far smaller than the face, and a name outside GB2312 is still
printed, from the full face."""

import io
import re

import pytest
import uharfbuzz as hb
from pypdf import PdfReader

from reports import pdf
from reports.pdf import engine, fonts

RARE = "喆"  # a name character outside GB2312


def gb2312_hanzi() -> set[int]:
    """The 6,763 hanzi of GB2312: rows 16 to 87 (lead bytes 0xB0 to 0xF7)."""
    points = set()
    for high in range(0xB0, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return points


@pytest.fixture(scope="module")
def regular() -> fonts.Face:
    return fonts.require(engine.REQUIRED_FACES)[0]


@pytest.fixture(scope="module")
def cut(regular) -> hb.Face:
    data = fonts.gb2312_subset(regular)
    assert data is not None, "HarfBuzz could not cut the face"
    return hb.Face(data)


def test_the_required_faces_are_the_real_noto_serif_cjk_faces():
    faces = fonts.require(engine.REQUIRED_FACES)
    assert [(face.family, face.style) for face in faces] == list(engine.REQUIRED_FACES)
    assert all(face.file.endswith((".ttc", ".otf", ".ttf")) for face in faces), faces


def test_a_family_fontconfig_would_substitute_counts_as_missing():
    assert fonts.match("No Such Family CJK", "Regular") is None
    with pytest.raises(fonts.FontMissing, match=fonts.FONT_MISSING_MESSAGE):
        fonts.require((("No Such Family CJK", "Regular"),))


def test_without_fc_match_the_fonts_count_as_missing(monkeypatch):
    monkeypatch.setattr(fonts.shutil, "which", lambda name: None)
    with pytest.raises(fonts.FontMissing, match=fonts.FONT_MISSING_MESSAGE):
        fonts.require(engine.REQUIRED_FACES)


def test_the_cut_keeps_every_gb2312_hanzi_and_the_tick(cut):
    hanzi = gb2312_hanzi()
    assert len(hanzi) == 6763
    kept = set(cut.unicodes)
    assert not hanzi - kept, sorted(hanzi - kept)[:10]
    assert ord("√") in kept  # the ticked boxes of the form


def test_the_cut_drops_what_is_outside_gb2312(regular, cut):
    assert ord(RARE) in set(hb.Face(hb.Blob.from_file_path(regular.file), regular.index).unicodes)
    assert ord(RARE) not in set(cut.unicodes)


def test_the_cut_has_far_fewer_glyphs_than_the_face(regular, cut):
    full = hb.Face(hb.Blob.from_file_path(regular.file), regular.index).glyph_count
    assert cut.glyph_count < 8000
    assert cut.glyph_count * 5 < full, (cut.glyph_count, full)


def test_a_face_harfbuzz_cannot_read_gives_no_cut(tmp_path):
    broken = tmp_path / "broken.otf"
    broken.write_bytes(b"not a font")
    for path in (broken, tmp_path / "absent.otf"):
        assert fonts.gb2312_subset(fonts.Face("Noto Serif CJK SC", "Regular", str(path), 0)) is None


def test_a_rare_name_is_printed_from_the_full_face_beside_the_cut():
    engine.reset()
    assert engine.state().font_css is not None, "the form is drawn with the GB2312 cut"
    data = pdf.render(pdf.FormData(incident_id=1, number="YQ-2026-0003", team_members=f"组长：陶{RARE}"))
    reader = PdfReader(io.BytesIO(data))
    assert f"组长：陶{RARE}" in re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))
    names = {
        str(font.get_object()["/BaseFont"]).split("+")[-1]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert "Noto-Serif-CJK-SC" in names, names  # the full face, for 喆 alone
    assert any(name.startswith("Noto-Serif-CJK-SC-GB2312") for name in names), names
