"""docker-compose.yml, Dockerfile and .env.example refer to things that exist.

Docker cannot run here; test_web_command.py runs the web service's command itself.
"""

import importlib
import json
import re
import shlex

import pytest
import yaml
from celery import Celery

from tests.foundation._subprocess import ROOT, run

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
    assert {"db", "redis", "minio", "createbucket", "web", "worker", "beat"} <= set(SERVICES)


def test_it_runs_beat_by_default():
    # The sweeper finishes work whose enqueue was lost: it must not hide behind a profile.
    assert "profiles" not in SERVICES["beat"]


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
        "createbucket": "service_completed_successfully",
    }
    env = service["environment"]
    assert env["DJANGO_SETTINGS_MODULE"] == "digitsight.settings.production"
    importlib.import_module(env["DJANGO_SETTINGS_MODULE"].rsplit(".", 1)[0])
    assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
    assert env["REDIS_URL"].startswith("redis://redis:6379/")


def test_it_checks_minio_health_and_keeps_its_data():
    minio = SERVICES["minio"]
    assert minio["image"].startswith("minio/minio")
    assert minio["command"][:2] == ["server", "/data"]
    assert minio["healthcheck"]["test"] == ["CMD", "mc", "ready", "local"]
    volume = next(v for v in minio["volumes"] if v.endswith(":/data"))
    assert volume.split(":")[0] in COMPOSE["volumes"]


def test_it_creates_the_bucket_the_app_uses_before_the_app_starts():
    init = SERVICES["createbucket"]
    assert init["image"].startswith("minio/mc") and init["restart"] == "no"
    assert init["depends_on"] == {"minio": {"condition": "service_healthy"}}
    script = init["entrypoint"][-1]
    assert 'mc mb --ignore-existing "local/$$DIGITSIGHT_S3_BUCKET"' in script
    assert "mc anonymous set none" in script  # the bucket stays private
    assert (
        init["environment"]["DIGITSIGHT_S3_BUCKET"] == SERVICES["web"]["environment"]["DIGITSIGHT_S3_BUCKET"]
    )


@pytest.mark.parametrize("name", APP_SERVICES)
def test_it_keeps_media_in_the_bucket_with_no_disk_shared_between_services(name):
    service = SERVICES[name]
    assert "volumes" not in service, "web and workers must not share a media folder"
    env = service["environment"]
    assert env["DIGITSIGHT_S3_BUCKET"] and env["DIGITSIGHT_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert "DIGITSIGHT_MEDIA_ROOT" not in env


def test_it_turns_the_compose_environment_into_s3_storage():
    env = SERVICES["web"]["environment"]
    conf = _storage_for(
        DIGITSIGHT_S3_BUCKET="digitsight",
        DIGITSIGHT_S3_ENDPOINT_URL=env["DIGITSIGHT_S3_ENDPOINT_URL"],
        DIGITSIGHT_S3_ADDRESSING_STYLE=env["DIGITSIGHT_S3_ADDRESSING_STYLE"],
        AWS_ACCESS_KEY_ID="app",
        AWS_SECRET_ACCESS_KEY="secret",
    )
    assert conf["BACKEND"] == "storages.backends.s3.S3Storage"
    assert conf["OPTIONS"]["bucket_name"] == "digitsight"
    assert conf["OPTIONS"]["endpoint_url"] == "http://minio:9000"
    assert conf["OPTIONS"]["addressing_style"] == "path"
    assert conf["OPTIONS"]["default_acl"] is None and conf["OPTIONS"]["querystring_expire"] <= 600


def test_it_keeps_the_local_disk_as_the_embedded_default():
    assert _storage_for()["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def _storage_for(**env) -> dict:
    result = run(
        [
            "-c",
            "import json; from django.conf import settings; print(json.dumps(settings.STORAGES['default']))",
        ],
        DJANGO_SETTINGS_MODULE="digitsight.settings.local",
        **env,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_checks_web_and_worker_health():
    web = SERVICES["web"]["healthcheck"]["test"]
    assert web[:3] == ["CMD", "python", "-c"] and "http://127.0.0.1:8000/healthz" in web[3]
    worker = SERVICES["worker"]["healthcheck"]["test"]
    assert worker[0] == "CMD-SHELL" and worker[1].startswith("celery -A digitsight inspect ping")
    # tests/foundation/test_web_command.py and test_worker_healthcheck.py run these commands.


def test_it_migrates_collects_and_serves_a_real_wsgi_app():
    steps = [shlex.split(step) for step in command("web")[-1].split("&&")]
    # First the metrics folder of the gunicorn workers is emptied (PROMETHEUS_MULTIPROC_DIR).
    assert steps[0] == ["rm", "-rf", "$$PROMETHEUS_MULTIPROC_DIR"]
    assert steps[1] == ["mkdir", "-p", "$$PROMETHEUS_MULTIPROC_DIR"]
    assert steps[-3] == ["python", "manage.py", "migrate", "--noinput"]
    assert steps[-2] == ["python", "manage.py", "collectstatic", "--noinput"]
    assert steps[-1][0] == "gunicorn"
    module, attr = steps[-1][1].split(":")
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
