"""Project-wide middleware."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is too large, before anything reads it.

    Django would otherwise spool every uploaded file to disk first and only
    then let the upload check reject it; one client could fill the disk.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DIGITSIGHT_MAX_REQUEST_BYTES
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return _too_large(request, limit)
        return self.get_response(request)


def _too_large(request, limit: int):
    message = (
        f"The upload is too large: at most {limit / (1024 * 1024):.0f} MB per request. "
        "Please send fewer or smaller files at a time."
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=413)
    return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
