"""The CJK fonts of the printed forms: check that fontconfig has them, and cut them down to GB2312.

Why a subset: WeasyPrint embeds a font keeping the glyph ids of the source font, so with the full Noto CJK
faces (65,535 glyphs, the common hanzi far into the id range) every PDF carries a large slice of each face and
each render spends much longer in HarfBuzz. The GB2312 repertoire (6,763 hanzi and the symbols of the official
forms) cut from the same face leaves under 8k glyphs: a form a fraction of the size, drawn in a fraction of
the time. It is cut in memory, once per process (the engine keeps the result); fontTools needs far longer
for the same cut, too slow to do at start. A character outside GB2312 (a rare name such as 喆) falls back to
the full system face of the same family, so nothing is ever lost; only that form is bigger and slower.

The cut: HarfBuzz's subsetter through the uharfbuzz wheel, which carries its own HarfBuzz, so no C
declarations are kept by hand in step with a library's ABI, and the cut does not depend on the subsetter the
distribution ships. WeasyPrint still loads the system HarfBuzz (Pango shapes with it; it subsets the fonts it
embeds with libharfbuzz-subset); the two copies share nothing but the cut's bytes. uharfbuzz holds the GIL
while it cuts: other threads of the process wait, once, while the engine is built.

The match: the face must be the one fontconfig really gives for the family and style, because fontconfig
otherwise substitutes DejaVu without a word. fc-match is fontconfig's own tool, linked to the same system
libfontconfig that Pango loads, reading the same configuration and environment (FONTCONFIG_FILE), and it
makes the plain match (FcConfigSubstitute, FcDefaultSubstitute, FcFontMatch). Rejected: cffi declarations of
fontconfig (an ABI and the freeing of patterns kept by hand), and fontconfig-py from PyPI (it links a
fontconfig of its own, whose answer may differ from the system one Pango uses). The cost is one short process
per face, once per process, and the Debian package `fontconfig`, which scripts/setup.sh installs by name.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import shutil
import subprocess

import uharfbuzz as hb

logger = logging.getLogger(__name__)

FONT_MISSING_MESSAGE = "缺少中文字体 fonts-noto-cjk，无法生成处置表"

# fontconfig joins the values of an element with commas, the separator of FcNameParse too, so no family
# name holds one. style[0] is the face's own style name (the others are translations or aliases).
_FC_FORMAT = "%{family}\n%{style[0]}\n%{file}\n%{index}\n"
# The first run on a machine without a font cache scans every installed font before it answers.
_FC_MATCH_TIMEOUT_SECONDS = 60
# Horizontal Chinese text needs no layout tables; dropping them keeps the closure to the cmap glyphs.
_DROP_TABLES = ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "DSIG", "vhea", "vmtx", "VORG")


class FontMissing(Exception):
    pass


@dataclasses.dataclass(frozen=True)
class Face:
    family: str
    style: str
    file: str
    index: int


def _fc_match(pattern: str) -> list[str] | None:
    """fc-match's answer for a fontconfig pattern as [families, style, file, index], None without one."""
    program = shutil.which("fc-match")
    if program is None:
        logger.error("找不到 fc-match（Debian 软件包 fontconfig），无法确认中文字体")
        return None
    try:
        done = subprocess.run(  # noqa: S603 - a fixed program and our own pattern, no shell
            [program, f"--format={_FC_FORMAT}", pattern],
            capture_output=True,
            encoding="utf-8",
            errors="surrogateescape",
            timeout=_FC_MATCH_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.error("fc-match 未能完成：%s", exc)
        return None
    fields = done.stdout.split("\n")[:4]
    if done.returncode != 0 or len(fields) < 4 or not fields[2]:
        return None  # a fontconfig that knows no font at all prints nothing
    return fields


def match(family: str, style: str) -> Face | None:
    """The face fontconfig really uses for family+style, or None when it would substitute another family."""
    fields = _fc_match(f"{family}:style={style}")
    if fields is None:
        return None
    families, got_style, file, index = fields[0].split(","), fields[1], fields[2], fields[3]
    if family not in families or style.lower() not in got_style.lower():
        logger.error("字体 %s %s 被替换为 %s %s", family, style, families, got_style)
        return None
    return Face(family, style, file, int(index or 0))


def require(faces: tuple[tuple[str, str], ...]) -> list[Face]:
    """The system faces for (family, style) pairs; FontMissing with the Chinese message if one is absent."""
    found = [match(family, style) for family, style in faces]
    if not all(found):
        raise FontMissing(FONT_MISSING_MESSAGE)
    return found


@functools.cache
def gb2312_repertoire() -> tuple[int, ...]:
    """Code points of GB2312 (hanzi and symbols, √ among them), ASCII and the usual punctuation blocks."""
    points = set(range(0x20, 0x7F))
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                points.add(ord(bytes((high, low)).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    points |= set(range(0x2000, 0x2070)) | set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    points |= {0xA0, 0xB7, 0xD7, 0xF7}
    return tuple(sorted(points))


def _tag(name: str) -> int:
    return int.from_bytes(name.encode("ascii"), "big")  # an OpenType tag as HarfBuzz holds it


def gb2312_subset(face: Face) -> bytes | None:
    """The face cut down to the GB2312 repertoire (an OpenType CFF font), or None if HarfBuzz cannot."""
    if not face.file:
        return None
    spec = hb.SubsetInput()
    spec.unicode_set.update(gb2312_repertoire())
    spec.drop_table_tag_set.update(_tag(name) for name in _DROP_TABLES)
    try:
        cut = hb.subset(hb.Face(hb.Blob.from_file_path(face.file), face.index), spec)
    except (hb.HarfBuzzError, RuntimeError) as exc:  # unreadable file; no such face in it
        logger.warning("HarfBuzz 无法裁剪字体文件 %s：%s", face.file, exc)
        return None
    return cut.blob.data or None
