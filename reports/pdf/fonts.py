"""The CJK fonts of the printed forms: check that fontconfig has them, and cut them down to GB2312.

Why a subset: WeasyPrint embeds a font keeping the glyph ids of the source font, so with the full Noto CJK
faces (65,535 glyphs, the common hanzi far into the id range) every PDF carries ~780 KB per face and each
render spends ~45 ms per face in HarfBuzz. The GB2312 repertoire (6,763 hanzi and the symbols of the
official forms) cut from the same face leaves 7.7k glyphs: a form of ~100 KB and half the render time. It is
cut in memory by HarfBuzz (~0.1 s per face, once per process); fontTools needs ~35-80 s per face for the
same cut, too slow to do at start. A character outside GB2312 (a rare name such as 喆) falls back to the
full system face of the same family, so nothing is ever lost; only that form is bigger and slower.

The library calls go through cffi (a WeasyPrint dependency) into the fontconfig and HarfBuzz libraries
WeasyPrint itself loads.
"""

from __future__ import annotations

import dataclasses
import functools
import logging

import cffi

logger = logging.getLogger(__name__)

FONT_MISSING_MESSAGE = "缺少中文字体 fonts-noto-cjk，无法生成处置表"

_ffi = cffi.FFI()
_ffi.cdef(
    """
    typedef struct _FcPattern FcPattern;
    typedef struct _FcConfig FcConfig;
    typedef unsigned char FcChar8;
    typedef int FcBool;
    typedef enum { FcResultMatch, FcResultNoMatch, FcResultTypeMismatch, FcResultNoId,
                   FcResultOutOfMemory } FcResult;
    typedef enum { FcMatchPattern, FcMatchFont, FcMatchScan } FcMatchKind;
    FcPattern *FcNameParse(const FcChar8 *name);
    FcBool FcConfigSubstitute(FcConfig *config, FcPattern *p, FcMatchKind kind);
    void FcDefaultSubstitute(FcPattern *pattern);
    FcPattern *FcFontMatch(FcConfig *config, FcPattern *p, FcResult *result);
    FcResult FcPatternGetString(const FcPattern *p, const char *object, int n, FcChar8 **s);
    FcResult FcPatternGetInteger(const FcPattern *p, const char *object, int n, int *i);
    void FcPatternDestroy(FcPattern *p);

    typedef struct hb_blob_t hb_blob_t;
    typedef struct hb_face_t hb_face_t;
    typedef struct hb_set_t hb_set_t;
    typedef struct hb_subset_input_t hb_subset_input_t;
    typedef uint32_t hb_codepoint_t;
    typedef uint32_t hb_tag_t;
    hb_blob_t *hb_blob_create_from_file_or_fail(const char *file_name);
    void hb_blob_destroy(hb_blob_t *blob);
    const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
    hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
    void hb_face_destroy(hb_face_t *face);
    hb_blob_t *hb_face_reference_blob(hb_face_t *face);
    unsigned int hb_face_get_glyph_count(const hb_face_t *face);
    hb_tag_t hb_tag_from_string(const char *str, int len);
    void hb_set_add(hb_set_t *set, hb_codepoint_t codepoint);
    hb_subset_input_t *hb_subset_input_create_or_fail(void);
    void hb_subset_input_destroy(hb_subset_input_t *input);
    hb_set_t *hb_subset_input_unicode_set(hb_subset_input_t *input);
    hb_set_t *hb_subset_input_set(hb_subset_input_t *input, int set_type);
    hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
    """
)
_HB_SUBSET_SETS_DROP_TABLE_TAG = 3
# Horizontal Chinese text needs no layout tables; dropping them keeps the closure to the cmap glyphs.
_DROP_TABLES = (b"GSUB", b"GPOS", b"GDEF", b"BASE", b"JSTF", b"DSIG", b"vhea", b"vmtx", b"VORG")


def _dlopen(*names: str):
    for name in names:
        try:
            return _ffi.dlopen(name)
        except OSError:
            continue
    return None


@functools.cache
def _libs():
    fontconfig = _dlopen("libfontconfig.so.1", "libfontconfig.1.dylib", "fontconfig", "libfontconfig-1.dll")
    harfbuzz = _dlopen("libharfbuzz.so.0", "libharfbuzz.0.dylib", "harfbuzz", "libharfbuzz-0.dll")
    subset = _dlopen(
        "libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "harfbuzz-subset", "libharfbuzz-subset-0.dll"
    )
    return fontconfig, harfbuzz, subset


class FontMissing(Exception):
    pass


@dataclasses.dataclass(frozen=True)
class Face:
    family: str
    style: str
    file: str
    index: int


def match(family: str, style: str) -> Face | None:
    """The face fontconfig really uses for family+style, or None when it would substitute another family."""
    fontconfig = _libs()[0]
    if fontconfig is None:
        return None
    pattern = fontconfig.FcNameParse(f"{family}:style={style}".encode())
    matched = _ffi.NULL
    try:
        fontconfig.FcConfigSubstitute(_ffi.NULL, pattern, fontconfig.FcMatchPattern)
        fontconfig.FcDefaultSubstitute(pattern)
        result = _ffi.new("FcResult *")
        matched = fontconfig.FcFontMatch(_ffi.NULL, pattern, result)
        if matched == _ffi.NULL:
            return None
        text, number = _ffi.new("FcChar8 **"), _ffi.new("int *")
        families = []
        while fontconfig.FcPatternGetString(matched, b"family", len(families), text) == 0:
            families.append(_ffi.string(text[0]).decode())
        got = {}
        for key in (b"style", b"file"):
            if fontconfig.FcPatternGetString(matched, key, 0, text) == 0:
                got[key] = _ffi.string(text[0]).decode()
        index = number[0] if fontconfig.FcPatternGetInteger(matched, b"index", 0, number) == 0 else 0
        if family not in families or style.lower() not in got.get(b"style", "").lower():
            logger.error("字体 %s %s 被替换为 %s %s", family, style, families, got.get(b"style"))
            return None
        return Face(family, style, got.get(b"file", ""), index)
    finally:
        fontconfig.FcPatternDestroy(pattern)
        if matched != _ffi.NULL:
            fontconfig.FcPatternDestroy(matched)


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


def gb2312_subset(face: Face) -> bytes | None:
    """The face cut down to the GB2312 repertoire (an OpenType CFF font), or None if HarfBuzz cannot."""
    _, harfbuzz, subset = _libs()
    if harfbuzz is None or subset is None or not face.file:
        return None
    blob = harfbuzz.hb_blob_create_from_file_or_fail(face.file.encode())
    if blob == _ffi.NULL:
        return None
    source = harfbuzz.hb_face_create(blob, face.index)
    spec = subset.hb_subset_input_create_or_fail()
    cut = out = _ffi.NULL
    try:
        if spec == _ffi.NULL:
            return None
        unicodes = subset.hb_subset_input_unicode_set(spec)
        for point in gb2312_repertoire():
            harfbuzz.hb_set_add(unicodes, point)
        dropped = subset.hb_subset_input_set(spec, _HB_SUBSET_SETS_DROP_TABLE_TAG)
        for tag in _DROP_TABLES:
            harfbuzz.hb_set_add(dropped, harfbuzz.hb_tag_from_string(tag, -1))
        cut = subset.hb_subset_or_fail(source, spec)
        if cut == _ffi.NULL:
            return None
        out = harfbuzz.hb_face_reference_blob(cut)
        length = _ffi.new("unsigned int *")
        data = harfbuzz.hb_blob_get_data(out, length)
        return _ffi.buffer(data, length[0])[:] if length[0] else None
    finally:
        if out != _ffi.NULL:
            harfbuzz.hb_blob_destroy(out)
        if cut != _ffi.NULL:
            harfbuzz.hb_face_destroy(cut)
        if spec != _ffi.NULL:
            subset.hb_subset_input_destroy(spec)
        harfbuzz.hb_face_destroy(source)
        harfbuzz.hb_blob_destroy(blob)
