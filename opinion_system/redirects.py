"""Where a form sends the browser back to: a `next` from the request, only when it stays on this site."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

# Longer than any page of this site with its query string; a longer `next` is not one of ours.
MAX_NEXT_LENGTH = 2000


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The request's `next` if it is a path or URL of this site that redirect() takes as is, else `fallback`.

    Refused: another host or scheme (`//evil.com`, `javascript:`), a backslash (browsers read `/\\evil.com` as
    another host), control or unprintable characters (a header cannot carry them), more than one value, an
    over-long value, and anything not starting with `/` or `http(s)://`: redirect() would try such a word as
    a URL name and raise NoReverseMatch.
    """
    values = (request.POST if request.method == "POST" else request.GET).getlist("next")
    if len(values) != 1:
        return fallback
    url = values[0]
    if not isinstance(url, str) or not url or len(url) > MAX_NEXT_LENGTH:
        return fallback
    if not url.isprintable() or "\\" in url:
        return fallback
    if not (url.startswith("/") or url.lower().startswith(("http://", "https://"))):
        return fallback
    if not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return fallback
    return url
