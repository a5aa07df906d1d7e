"""What WeasyPrint may open while drawing a form: the app's own static files and our font subsets, nothing else.

A document is given the base URL STATIC_BASE, in the ".invalid" domain that never resolves (RFC 2606), so
even a bug here could not reach the network through a relative URL. Refused: file:// paths, intranet
addresses (http://127.0.0.1:6379/), data: URLs, any http(s) URL, any path that leaves the static files.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint.urls import URLFetcher, URLFetcherResponse

logger = logging.getLogger(__name__)

STATIC_BASE = "https://static.pdf.invalid/"
FONT_BASE = STATIC_BASE + "fonts/"  # in-memory fonts (the GB2312 subsets), served by name


class StaticOnlyFetcher(URLFetcher):
    """Serves STATIC_BASE + STATIC_URL + <path> through the staticfiles finders, and the registered fonts."""

    def __init__(self):
        super().__init__(timeout=1, allowed_protocols=(), allow_redirects=False)
        self.fonts: dict[str, bytes] = {}
        self.fonts_served = 0
        self.refused: list[str] = []  # the last 50 refused URLs, for the log and the tests
        self.refused_count = 0

    def fetch(self, url, headers=None):
        if url.startswith(FONT_BASE) and url[len(FONT_BASE) :] in self.fonts:
            self.fonts_served += 1
            return URLFetcherResponse(url, self.fonts[url[len(FONT_BASE) :]], {"Content-Type": "font/otf"})
        path = static_path(url)
        found = finders.find(path) if path else None
        if not found:
            self.refused = [*self.refused[-49:], url]
            self.refused_count += 1
            logger.warning("处置表：拒绝获取外部资源 %r", url[:200])
            raise ValueError(f"refused: {url[:200]}")
        content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
        return URLFetcherResponse(url, Path(found).read_bytes(), {"Content-Type": content_type})


def static_path(url: str) -> str | None:
    """The static file path an URL names (relative, inside the static files), or None."""
    prefix = STATIC_BASE + settings.STATIC_URL.strip("/") + "/"
    if not url.startswith(prefix):
        return None
    path = unquote(urlsplit(url[len(prefix) :]).path)
    parts = PurePosixPath(path).parts
    if not parts or path.startswith("/") or ".." in parts or "\\" in path or "\x00" in path:
        return None
    return path
