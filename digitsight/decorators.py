"""Small decorators for concerns many views share (healthchecks' hc/front/decorators.py style)."""

from __future__ import annotations

import hmac
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpResponse


def require_setting(key: str):
    """404 while the feature behind `settings.<key>` is switched off (empty or unset)."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not getattr(settings, key, None):
                raise Http404("Not enabled.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def require_bearer_token(key: str):
    """403 unless the request carries `Authorization: Bearer <settings.<key>>` (404 when unset)."""

    def decorator(view):
        @require_setting(key)
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            scheme, _, given = request.headers.get("Authorization", "").partition(" ")
            expected = getattr(settings, key)
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                given.strip().encode(), expected.encode()
            ):
                response = HttpResponse(
                    "A valid bearer token is required.\n", status=403, content_type="text/plain"
                )
                response["WWW-Authenticate"] = "Bearer"
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
