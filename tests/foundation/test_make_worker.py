"""`make worker` joins the web app's database and broker: exported URLs win over the defaults."""

import shutil
import subprocess

import pytest

from tests.foundation._subprocess import ROOT, clean_env

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _worker_command(**env: str) -> str:
    result = subprocess.run(
        ["make", "-n", "worker"], cwd=ROOT, env=clean_env(**env), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return next(line for line in result.stdout.splitlines() if "celery -A digitsight worker" in line)


def test_it_honours_exported_database_and_redis_urls():
    command = _worker_command(
        DATABASE_URL="postgres://teacher@db.example:5432/school", REDIS_URL="redis://cache.example:6379/4"
    )
    assert "DATABASE_URL=postgres://teacher@db.example:5432/school " in command
    assert "REDIS_URL=redis://cache.example:6379/4 " in command
    assert "127.0.0.1" not in command


def test_it_honours_an_exported_settings_module():
    command = _worker_command(DJANGO_SETTINGS_MODULE="digitsight.settings.production")
    assert "DJANGO_SETTINGS_MODULE=digitsight.settings.production " in command


def test_it_falls_back_to_the_local_services_when_nothing_is_exported():
    command = _worker_command()
    assert "DATABASE_URL=postgres://postgres@127.0.0.1:5432/digitsight " in command
    assert "REDIS_URL=redis://127.0.0.1:6379/0 " in command
    assert "DJANGO_SETTINGS_MODULE=digitsight.settings.local " in command
