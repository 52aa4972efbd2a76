"""docker-compose.yml, Dockerfile and .env.example refer to things that exist.

Docker cannot run here; test_web_command.py runs the web service's command itself.
"""

import importlib
import re
import shlex

import pytest
import yaml
from celery import Celery

from tests.foundation._subprocess import ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("web", "worker", "beat")
# Read by settings but meaningful only to the test suite.
TEST_ONLY_VARS = {"DIGITSIGHT_TEST_DB", "DIGITSIGHT_FAULT_INJECTION"}


def settings_vars() -> set[str]:
    source = "".join(p.read_text() for p in (ROOT / "digitsight" / "settings").glob("*.py"))
    return set(re.findall(r"env\.\w+\(\s*\"([A-Z][A-Z0-9_]*)\"", source))


def ml_vars() -> set[str]:
    source = "".join(p.read_text() for p in (ROOT / "ml").glob("*.py"))
    return set(re.findall(r"environ\.get\(\s*\"([A-Z][A-Z0-9_]*)\"", source))


def env_example_vars() -> set[str]:
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def compose_interpolated() -> set[str]:
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / "docker-compose.yml").read_text()))


def command(service: str) -> list[str]:
    cmd = SERVICES[service]["command"]
    return shlex.split(cmd) if isinstance(cmd, str) else cmd


def test_it_has_the_services():
    assert {"db", "redis", "web", "worker", "beat"} <= set(SERVICES)


def test_it_checks_postgres_health_and_keeps_its_data():
    db = SERVICES["db"]
    assert db["image"] == "postgres:16"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    volume = next(v for v in db["volumes"] if v.endswith(":/var/lib/postgresql/data"))
    assert volume.split(":")[0] in COMPOSE["volumes"]


def test_it_checks_redis_health():
    redis = SERVICES["redis"]
    assert redis["image"] == "redis:7"
    assert redis["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_it_starts_app_services_on_healthy_services_with_production_settings(name):
    service = SERVICES[name]
    assert service["build"] == "."
    assert service["env_file"] == ".env"
    assert {dep: c["condition"] for dep, c in service["depends_on"].items()} == {
        "db": "service_healthy",
        "redis": "service_healthy",
    }
    env = service["environment"]
    assert env["DJANGO_SETTINGS_MODULE"] == "digitsight.settings.production"
    importlib.import_module(env["DJANGO_SETTINGS_MODULE"].rsplit(".", 1)[0])
    assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:6379/")


def test_it_shares_media_between_web_and_workers():
    mounts = [
        {
            v
            for v in SERVICES[name]["volumes"]
            if v.endswith(f":{SERVICES[name]['environment']['DIGITSIGHT_MEDIA_ROOT']}")
        }
        for name in APP_SERVICES
    ]
    assert mounts[0] and all(m == mounts[0] for m in mounts)
    assert next(iter(mounts[0])).split(":")[0] in COMPOSE["volumes"]


def test_it_migrates_collects_and_serves_a_real_wsgi_app():
    steps = [shlex.split(step) for step in command("web")[-1].split("&&")]
    assert steps[0] == ["python", "manage.py", "migrate", "--noinput"]
    assert steps[1] == ["python", "manage.py", "collectstatic", "--noinput"]
    assert steps[2][0] == "gunicorn"
    module, attr = steps[2][1].split(":")
    assert callable(getattr(importlib.import_module(module), attr))


@pytest.mark.parametrize("name, subcommand", [("worker", "worker"), ("beat", "beat")])
def test_it_runs_celery_on_the_project_app(name, subcommand):
    cmd = command(name)
    assert cmd[:4] == ["celery", "-A", "digitsight", subcommand]
    assert isinstance(importlib.import_module(cmd[2]).celery_app, Celery)


def test_it_gives_beat_a_schedule_to_run(settings):
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        module, name = entry["task"].rsplit(".", 1)
        assert hasattr(importlib.import_module(module), name), entry["task"]


def test_it_lists_only_variables_something_reads():
    readers = settings_vars() | ml_vars() | compose_interpolated() | {"DJANGO_SETTINGS_MODULE"}
    unread = env_example_vars() - readers
    assert not unread, f".env.example lists variables nothing reads: {sorted(unread)}"


def test_it_lists_every_variable_the_settings_read():
    missing = settings_vars() - env_example_vars() - TEST_ONLY_VARS
    assert not missing, f"add these to .env.example (and README's table): {sorted(missing)}"


def test_it_defines_every_variable_compose_interpolates():
    assert compose_interpolated() <= env_example_vars()


def test_it_builds_from_files_that_exist():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert "espeak-ng" in dockerfile
    assert "pip install -r requirements.txt" in dockerfile
    assert "npm ci" in dockerfile
    user = re.findall(r"^USER (\S+)", dockerfile, flags=re.MULTILINE)
    assert user and user[-1] not in ("root", "0")
    for copied in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, flags=re.MULTILINE):
        for path in copied.split():
            assert (ROOT / path).exists(), path


def test_it_keeps_local_state_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "node_modules", "var", ".env"} <= set(ignored)
