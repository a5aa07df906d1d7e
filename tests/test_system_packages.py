"""A fresh machine needs nothing by hand: every system library the PDF code loads, and the fc-match it runs,
is installed by name by scripts/setup.sh, and the GB2312 cut of the fonts (by the uharfbuzz wheel) is used."""

import logging
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from reports.pdf import engine

ROOT = Path(__file__).resolve().parent.parent
# The libraries WeasyPrint opens itself (weasyprint.text.ffi), by file-name prefix; it subsets the fonts it
# embeds with libharfbuzz-subset (without it, with fontTools: far slower on a CJK face).
LOADED = ("libgobject-2.0.so", "libpango-1.0.so", "libpangoft2-1.0.so", "libharfbuzz.so", "libharfbuzz-subset.so",
          "libfontconfig.so")  # fmt: skip


def setup_packages(name: str) -> set[str]:
    script = (ROOT / "scripts" / "setup.sh").read_text()
    listed = re.search(rf"^{name}=\(([^)]*)\)", script, re.MULTILINE)
    assert listed, f"{name} not found in scripts/setup.sh"
    return set(listed.group(1).split())


def loaded_libraries() -> dict[str, str]:
    import weasyprint.text.ffi  # noqa: F401 - opening the libraries is what is checked

    paths = {}
    for line in Path("/proc/self/maps").read_text().splitlines():
        path = line.split()[-1]
        name = Path(path).name
        for prefix in LOADED:
            if name.startswith(prefix) and "/.venv/" not in path:
                paths[prefix] = path
    return paths


@pytest.mark.skipif(not shutil.which("dpkg"), reason="the package check reads Debian's package database")
def test_every_library_the_pdf_code_loads_is_installed_by_name():
    paths = loaded_libraries()
    assert set(paths) == set(LOADED), f"not loaded: {set(LOADED) - set(paths)}"
    named = setup_packages("RUNTIME_PACKAGES")
    for prefix, path in paths.items():
        owner = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True, check=True).stdout  # noqa: S603, S607
        package = owner.split(":")[0]
        assert package in named, (
            f"{prefix} comes from {package}, which scripts/setup.sh does not install by name"
        )


@pytest.mark.skipif(not shutil.which("dpkg"), reason="the package check reads Debian's package database")
def test_fc_match_which_finds_the_faces_is_installed_by_name():
    program = shutil.which("fc-match")
    assert program, "fc-match is not on PATH: reports/pdf/fonts.py cannot find the CJK faces"
    path = str(Path(program).resolve())  # /bin is a link to /usr/bin; dpkg knows the /usr path
    owner = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True, check=True)  # noqa: S603, S607
    assert owner.stdout.split(":")[0] in setup_packages("RUNTIME_PACKAGES"), owner.stdout


def test_the_fonts_and_the_test_tools_are_named_too():
    assert "fonts-noto-cjk" in setup_packages("RUNTIME_PACKAGES")
    assert {"chromium", "poppler-utils"} <= setup_packages("TEST_PACKAGES")


def test_the_gb2312_cut_is_used_for_the_disposal_form():
    # Without the cut the engine silently draws with the full faces (far bigger forms, slower renders).
    assert engine.SUBSET_FONTS, "the test settings keep the default: forms are drawn with the GB2312 cut"
    engine.reset()
    assert engine.state().font_css is not None, "the GB2312 cut was not made: forms use the full fonts"


@pytest.mark.parametrize("name", ["weasyprint.progress", "fontTools", "fontTools.subset"])
def test_library_chatter_stays_out_of_the_console(name):
    assert logging.getLogger(name).getEffectiveLevel() >= logging.WARNING
