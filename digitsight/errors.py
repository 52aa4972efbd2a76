"""A database that went away (a restart, a failover) is a pause, not a crash.

The API answers 503 JSON with Retry-After and web pages a short retry message, instead of
a 500 page. The request's transaction rolled back, so nothing half-stored is kept.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.template.loader import render_to_string
from rest_framework.response import Response
from rest_framework.views import exception_handler

log = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
# A Postgres restart or failover takes seconds: long enough for it, short for a teacher.
RETRY_AFTER_SECONDS = 10
MESSAGE = "The database is not reachable right now; nothing was saved. Please try again in a few seconds."


def api_exception_handler(exc, context):
    """DRF's handler, plus 503 for a lost database connection."""
    if isinstance(exc, DATABASE_ERRORS):
        _log(exc, context.get("request"))
        return Response({"detail": MESSAGE}, status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    return exception_handler(exc, context)


class DatabaseUnavailableMiddleware:
    """Turn a database error raised by a view into a 503 (JSON under /api/, a page elsewhere)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        _log(exception, request)
        return unavailable_response(request)


def unavailable_response(request) -> HttpResponse:
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": MESSAGE}, status=503)
    else:
        # Rendered without the request: the site layout would query the database it cannot reach.
        response = HttpResponse(render_to_string("503.html", {"message": MESSAGE}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _log(exc, request) -> None:
    path = getattr(request, "path", "?")
    log.warning("database unavailable during %s: %s", path, exc, exc_info=exc)


def server_error(request):
    """The 500 handler: the site's layout when it can be drawn, a page without the user when not."""
    try:
        html = render_to_string("500.html", request=request)
    except Exception:  # noqa: BLE001 - the database or the session may be what failed: draw without them
        html = render_to_string("500.html")
    return HttpResponseServerError(html)
