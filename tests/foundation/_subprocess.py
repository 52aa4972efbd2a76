"""Run Python or manage.py in a child process with exactly the environment a test gives.

Settings are read once per process, so comparing configurations means new processes.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = str(Path(sys.executable).parent)

# Everything a child may inherit; DATABASE_URL, REDIS_URL, DJANGO_* and the rest must be explicit.
_KEEP = ("HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


def clean_env(**env: str) -> dict:
    base = {k: os.environ[k] for k in _KEEP if k in os.environ}
    base["PATH"] = f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}"
    base["PYTHONDONTWRITEBYTECODE"] = "1"
    return base | env


def run(args: list[str], timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


PROBE = """
import json
from django.conf import settings
from digitsight.celery import app

db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"],
    "name": str(db["NAME"]),
    "conn_max_age": db.get("CONN_MAX_AGE"),
    "conn_health_checks": db.get("CONN_HEALTH_CHECKS"),
    "media_root": str(settings.MEDIA_ROOT),
    "cache": settings.CACHES["default"]["BACKEND"],
    "debug": settings.DEBUG,
    "broker": app.conf.broker_url,
    "backend": app.conf.result_backend,
    "eager": app.conf.task_always_eager,
}))
"""


def probe_settings(module: str, **env: str) -> dict:
    result = run(["-c", PROBE], DJANGO_SETTINGS_MODULE=module, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
