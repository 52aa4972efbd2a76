"""Project-wide middleware."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve

# Upload routes that take one file per request: a body longer than one file at the limit
# plus the multipart envelope (boundaries, part headers, a student name) cannot hold a
# file within the limit, so it is refused from its Content-Length alone.
ONE_FILE_ROUTES = {"predictor-api:api-prediction-list", "grading_api:submission_list"}
# Upload forms that take several files: each file is counted as it arrives instead.
MANY_FILE_ROUTES = {"predictor:upload", "grading:class_upload"}
MULTIPART_SLACK = 64 * 1024


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
        if request.method == "POST" and declared:
            route = _route_name(request.path_info)
            if route in ONE_FILE_ROUTES and declared > settings.DIGITSIGHT_MAX_UPLOAD_BYTES + MULTIPART_SLACK:
                return _file_too_large(request)
            if route in MANY_FILE_ROUTES:
                from predictor.upload_handlers import FileSizeLimitHandler

                request.upload_handlers.insert(0, FileSizeLimitHandler(request))
        return self.get_response(request)


def _route_name(path: str) -> str:
    try:
        return resolve(path).view_name
    except Resolver404:
        return ""


def file_too_large_message() -> str:
    """The words of predictor.uploads' own refusal, so both read alike."""
    limit = settings.DIGITSIGHT_MAX_UPLOAD_BYTES
    return f"The file is too large: the limit is {limit / (1024 * 1024):.0f} MB."


def _file_too_large(request):
    message = f"{file_too_large_message()} Nothing was uploaded."
    return JsonResponse({"detail": message, "image": [message]}, status=413)


def _too_large(request, limit: int):
    message = (
        f"The upload is too large: at most {limit / (1024 * 1024):.0f} MB per request. "
        "Please send fewer or smaller files at a time."
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=413)
    # In the site's layout; the session is not read yet, so the page shows no user.
    return HttpResponse(render_to_string("413.html", {"message": message}, request=request), status=413)
