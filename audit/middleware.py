"""Refused accesses and file downloads of signed-in people go to the security log, whichever view answered.

One place for both: a view refuses with 404 (an incident the person may not see, a forged id) or 403 (an action
they may not take) and hands out files (evidence, 处置表, dossiers, exports) as attachments or PDFs; recording at
the response keeps every view free of logging code, and it runs after the view's own transaction has ended, so
a refusal that rolled the view back is still recorded.
"""

from email.message import Message

from django.conf import settings

from . import services
from .services import Kind, Result, record_quietly

FILE_TYPES = ("application/pdf", "application/zip", "text/csv")


class SecurityLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.quiet_prefixes = (f"/{settings.STATIC_URL.strip('/')}/", "/favicon.ico")

    def __call__(self, request):
        token = services._request.set(request)
        try:
            response = self.get_response(request)
        finally:
            services._request.reset(token)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(self.quiet_prefixes):
            return response
        status = response.status_code
        if status in (403, 404):
            record_quietly(kind=Kind.ACCESS_REFUSED, result=Result.REFUSED, user=user, request=request,
                           target=f"HTTP {status}")  # fmt: skip
        elif status == 200 and self._is_file(response) and not getattr(response, "security_logged", False):
            record_quietly(kind=Kind.DOWNLOAD, user=user, request=request, target=self._file_name(response))
        return response

    @staticmethod
    def _is_file(response) -> bool:
        disposition = response.get("Content-Disposition", "")
        content_type = response.get("Content-Type", "").split(";")[0].strip()
        return disposition.startswith("attachment") or content_type in FILE_TYPES

    @staticmethod
    def _file_name(response) -> str:
        header = Message()  # parses filename and RFC 2231's filename*= alike
        header["Content-Disposition"] = response.get("Content-Disposition", "")
        return header.get_filename() or ""
