"""Health probes for load balancers and compose: /healthz (alive) and /readyz (can serve).

They answer before host validation and the HTTPS redirect (ProbeMiddleware): a probe comes
over plain HTTP from inside the network, with an IP address as Host.
"""

from __future__ import annotations

import logging
import socket
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

log = logging.getLogger(__name__)
_model_loaded = False


@never_cache
@require_safe
def healthz(request):
    """The process is alive: no database, no network."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def readyz(request):
    """200 when every dependency answers; 503 with the list of those that did not."""
    checks = {}
    for name, check in CHECKS.items():
        try:
            check()
            checks[name] = "ok"
        except Exception as exc:  # any failure means "not ready"; the log says why
            log.warning("readyz: %s failed: %r", name, exc)
            # Only the kind of error: the probe is public and messages name hosts and paths.
            checks[name] = type(exc).__name__
    failed = [name for name, state in checks.items() if state != "ok"]
    body = {"status": "unavailable" if failed else "ok", "failed": failed, "checks": checks}
    return JsonResponse(body, status=503 if failed else 200)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_redis() -> None:
    if not settings.REDIS_URL:
        return  # the embedded default runs tasks in-process
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


def check_storage() -> None:
    """Write and delete a small object: proves the bucket (or disk) exists and takes writes."""
    from django.core.files.storage import default_storage

    name = default_storage.save(f"readyz/{socket.gethostname()}-{uuid.uuid4().hex}", ContentFile(b"ok"))
    default_storage.delete(name)


def check_model() -> None:
    """The digit model loads with LiteRT (once per process: the file does not change under us)."""
    global _model_loaded
    if not _model_loaded:
        from ml.litert import Classifier

        Classifier()
        _model_loaded = True


CHECKS = {"database": check_database, "redis": check_redis, "storage": check_storage, "model": check_model}


class ProbeMiddleware:
    """Answer /healthz, /readyz and /metrics before the rest of the stack looks at the request."""

    def __init__(self, get_response):
        from digitsight.metrics import metrics

        self.get_response = get_response
        self.probes = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics}

    def __call__(self, request):
        view = self.probes.get(request.path_info)
        return view(request) if view else self.get_response(request)
