"""The per-process WeasyPrint machinery: fonts, stylesheets, templates, the fetcher, the time limit.

Built once per process, lazily, and again in a child after a fork (fontconfig and Pango objects, and held
locks, must not cross a fork). Call reports.pdf.warm_up() in each worker once it exists:
    gunicorn.conf.py:  def post_fork(server, worker): from reports.pdf import warm_up; warm_up()
    celery:            @worker_process_init.connect  def _warm(**kw): from reports.pdf import warm_up; warm_up()
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import get_template

from . import fonts
from .fetcher import FONT_BASE, STATIC_BASE, StaticOnlyFetcher

logger = logging.getLogger(__name__)

TIMEOUT_MESSAGE = "生成处置表超时，请稍后重试；如反复出现请联系系统管理员。"
RENDER_TIMEOUT_SECONDS = float(getattr(settings, "REPORTS_PDF_TIMEOUT_SECONDS", 20))
SUBSET_FONTS = bool(getattr(settings, "REPORTS_PDF_SUBSET_FONTS", True))
# Body and title; both must be the real Noto CJK faces (fontconfig would otherwise substitute DejaVu quietly).
REQUIRED_FACES = (("Noto Serif CJK SC", "Regular"), ("Noto Serif CJK SC", "Bold"))
SUBSET_FAMILY = "Noto Serif CJK SC GB2312"  # the stylesheets name it first, the full face second

stats = {"renders": 0, "cache_hits": 0, "refused": 0}  # read by the tests and scripts/bench_pdf.py


class PdfUnavailable(Exception):
    """The PDF cannot be produced now; `message` is for the person who asked."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class FontMissing(PdfUnavailable):
    pass


class RenderTimeout(PdfUnavailable):
    pass


class _Interrupted(BaseException):
    """Raised by the alarm: a BaseException, so no `except Exception` inside WeasyPrint can swallow it."""


@dataclasses.dataclass
class _State:
    pid: int
    font_config: object
    fetcher: StaticOnlyFetcher
    font_css: object | None  # @font-face of the GB2312 subsets; None when drawing with the full faces
    stylesheets: dict = dataclasses.field(default_factory=dict)
    templates: dict = dataclasses.field(default_factory=dict)
    sources: dict = dataclasses.field(default_factory=dict)  # name -> text, for layout_digest()
    digests: dict = dataclasses.field(default_factory=dict)


_state: _State | None = None
_subset_fonts = SUBSET_FONTS
_state_lock = threading.Lock()
# One render at a time per process: Pango font maps are not thread-safe, and under the GIL a second
# concurrent render would not finish sooner anyway.
_render_lock = threading.Lock()
_inherited: list = []  # a parent's state, kept alive in the child: its __del__ would delete the parent's fonts


def _after_fork_in_child() -> None:
    global _state, _state_lock, _render_lock
    if _state is not None:
        _inherited.append(_state)
    _state, _state_lock, _render_lock = None, threading.Lock(), threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _font_css(font_config, fetcher: StaticOnlyFetcher, faces: list[fonts.Face]):
    from weasyprint import CSS

    rules = []
    for face in faces:
        data = fonts.gb2312_subset(face)
        if data is None:
            logger.warning("无法裁剪字体 %s %s，改用完整字体（较慢）", face.family, face.style)
            return None
        name = f"{face.family}-{face.style}.otf".replace(" ", "-").lower()
        fetcher.fonts[name] = data
        weight = 700 if face.style.lower() == "bold" else 400
        rules.append(
            f'@font-face {{ font-family: "{SUBSET_FAMILY}"; src: url("{FONT_BASE}{name}"); font-weight: {weight}; }}'
        )
    try:
        css = CSS(string="\n".join(rules), base_url=STATIC_BASE, url_fetcher=fetcher, font_config=font_config)
    finally:
        fetcher.fonts.clear()  # fontconfig has its own copy now; 5 MB less per process
    if fetcher.fonts_served != len(faces):  # WeasyPrint skips a @font-face it cannot load, silently
        logger.warning("字体子集未能载入，改用完整字体（较慢）")
        return None
    return css


def _build() -> _State:
    from weasyprint.text.fonts import FontConfiguration

    try:
        faces = fonts.require(REQUIRED_FACES)
    except fonts.FontMissing as exc:
        raise FontMissing(str(exc)) from None
    font_config = FontConfiguration()
    fetcher = StaticOnlyFetcher()
    font_css = _font_css(font_config, fetcher, faces) if _subset_fonts else None
    return _State(os.getpid(), font_config, fetcher, font_css)


def state() -> _State:
    global _state
    current = _state
    if current is not None and current.pid == os.getpid():
        return current
    with _state_lock:
        if _state is None or _state.pid != os.getpid():
            _state = _build()
        return _state


def reset(*, subset_fonts: bool | None = None) -> None:
    """Forget the built state (tests, the benchmark; after a timeout, in case a render was cut short)."""
    global _state, _subset_fonts
    with _state_lock:
        _state = None
        if subset_fonts is not None:
            _subset_fonts = subset_fonts


def template(name: str):
    current = state()
    if name not in current.templates:
        current.templates[name] = get_template(name)
        current.sources[name] = current.templates[name].template.source
    return current.templates[name]


def stylesheet(name: str):
    """A static stylesheet, parsed once per process."""
    from weasyprint import CSS

    current = state()
    if name not in current.stylesheets:
        path = finders.find(name)
        if not path:
            raise PdfUnavailable(f"缺少样式文件 static/{name}，无法生成 PDF")
        text = Path(path).read_text(encoding="utf-8")
        current.stylesheets[name] = CSS(
            string=text, base_url=STATIC_BASE, url_fetcher=current.fetcher, font_config=current.font_config
        )
        current.sources[name] = text
    return current.stylesheets[name]


def layout_digest(*names: str) -> str:
    """A digest of templates and stylesheets: a deploy that changes the layout misses the old cache entries."""
    current = state()
    if names not in current.digests:
        for name in names:
            if name not in current.sources:
                (stylesheet if name.endswith(".css") else template)(name)
        text = "\n".join(current.sources[name] for name in names) + f"\nsubset={current.font_css is not None}"
        current.digests[names] = hashlib.sha256(text.encode()).hexdigest()[:12]
    return current.digests[names]


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt a render after `seconds` with SIGALRM.

    A signal can only be handled in the main thread: gunicorn's sync workers, Celery's prefork pool, the
    tests and the benchmark render there. In another thread (runserver, gunicorn gthread) there is no
    in-process guard and the outer limits apply (gunicorn --timeout, CELERY_TASK_TIME_LIMIT); long batches
    such as the archive dossier belong in Celery for that reason.
    """
    usable = (
        seconds > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def expired(signum, frame):
        raise _Interrupted

    previous_handler = signal.signal(signal.SIGALRM, expired)
    previous_delay, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_delay:  # somebody else's alarm was running: give back what is left of it
            signal.setitimer(signal.ITIMER_REAL, max(previous_delay - (time.monotonic() - started), 0.001))


def render_html(html: str, stylesheets: list[str], *, timeout: float | None = None) -> bytes:
    """Draw an HTML string with the given static stylesheets, our fonts and fetcher, within the time limit."""
    from weasyprint import HTML

    limit = RENDER_TIMEOUT_SECONDS if timeout is None else timeout
    current = state()
    sheets = ([current.font_css] if current.font_css is not None else []) + [
        stylesheet(n) for n in stylesheets
    ]
    if not _render_lock.acquire(timeout=limit if limit > 0 else -1):
        raise RenderTimeout(TIMEOUT_MESSAGE)
    refused_before = current.fetcher.refused_count
    try:
        with _time_limit(limit):
            document = HTML(string=html, base_url=STATIC_BASE, url_fetcher=current.fetcher)
            pdf = document.write_pdf(stylesheets=sheets, font_config=current.font_config)
    except _Interrupted:
        logger.error("PDF 生成超时（%s 秒）", limit)
        reset()  # a render cut short may leave caches half-filled: start clean
        raise RenderTimeout(TIMEOUT_MESSAGE) from None
    finally:
        _render_lock.release()
    stats["renders"] += 1
    stats["refused"] += current.fetcher.refused_count - refused_before
    return pdf
