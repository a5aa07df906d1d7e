"""The product's own 404 page in the demo, where DEBUG is on; JSON for an unknown address under /api/.

With DEBUG Django answers a missing page with its English technical page (django.views.debug), and the demo
runs with DEBUG: whoever tries it should meet the Chinese page production shows. Only 404 is replaced: a 403
goes through handler403 in every mode already, and a 500 keeps Django's debugging page, which DEBUG is for.
"""

from django.conf import settings
from django.http import Http404, JsonResponse
from django.views import defaults

API_PREFIX = "/api/"
# The API's views answer their own 404s as JSON (api.exceptions); this is the address no view answers at all.
API_NOT_FOUND = "接口地址不存在，请查看 /api/docs/ 中列出的地址。"


class ProductNotFoundMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code == 404
            and request.resolver_match is None
            and request.path.startswith(API_PREFIX)
        ):
            # A monitoring tool reads JSON, in every mode: not the site's HTML page (handler404) nor Django's.
            return JsonResponse(
                {"detail": API_NOT_FOUND}, status=404, json_dumps_params={"ensure_ascii": False}
            )
        # No view was found for the address: the 404 can only be the resolver's technical page.
        if settings.DEBUG and response.status_code == 404 and request.resolver_match is None:
            return defaults.page_not_found(request, Http404())
        return response

    def process_exception(self, request, exception):
        """A view's Http404 (a missing or hidden incident, access module) gets the page production shows."""
        if settings.DEBUG and isinstance(exception, Http404):
            return defaults.page_not_found(request, exception)
        return None
