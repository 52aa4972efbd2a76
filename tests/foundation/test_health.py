"""/healthz (alive, no database) and /readyz (database, Redis, storage, model; 503 lists failures)."""

import pytest
from django.db import connection

from digitsight import health
from tests.predictor.conftest import media_files


def test_it_says_alive_without_touching_the_database(client):
    # No db fixture: any query here would raise "Database access not allowed".
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_it_rejects_writes_to_probes(client, path):
    assert client.post(path).status_code == 405


@pytest.mark.django_db
def test_it_answers_probes_over_plain_http_from_an_ip_host(client, settings):
    # Production settings: strict hosts and HTTPS redirect. A load balancer's probe has neither.
    settings.ALLOWED_HOSTS = ["digitsight.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    assert client.get("/readyz", HTTP_HOST="10.0.0.7:8000").status_code == 200
    # Everything else still validates the host.
    assert client.get("/accounts/login/", HTTP_HOST="10.0.0.7:8000").status_code == 400


@pytest.fixture
def fresh_model_check(monkeypatch):
    monkeypatch.setattr(health, "_model_loaded", False)


@pytest.mark.django_db
def test_it_is_ready_when_every_dependency_answers(client, settings, fresh_model_check):
    response = client.get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "status": "ok",
        "failed": [],
        "checks": {"database": "ok", "redis": "ok", "storage": "ok", "model": "ok"},
    }
    assert media_files(settings) == []  # the storage probe cleans up after itself


@pytest.mark.django_db
def test_it_lists_redis_when_redis_is_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["failed"] == ["redis"]
    assert body["checks"]["redis"] == "ConnectionError"
    assert b"127.0.0.1" not in response.content  # a public probe names no host


@pytest.mark.django_db
def test_it_lists_the_model_when_it_does_not_load(client, monkeypatch, tmp_path, fresh_model_check):
    broken = tmp_path / "digits.tflite"
    broken.write_bytes(b"not a model")
    monkeypatch.setenv("DIGITSIGHT_MODEL", str(broken))
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["failed"] == ["model"]
    monkeypatch.setenv("DIGITSIGHT_MODEL", str(tmp_path / "missing.tflite"))
    assert client.get("/readyz").json()["checks"]["model"] == "FileNotFoundError"


@pytest.mark.django_db
def test_it_lists_storage_when_the_media_folder_cannot_be_written(client, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = blocker
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["failed"] == ["storage"]


@pytest.mark.django_db
def test_it_checks_the_bucket_when_media_is_in_s3(client, s3_storage):
    assert client.get("/readyz").json()["checks"]["storage"] == "ok"
    assert s3_storage.keys() == []
    s3_storage.server.client().delete_bucket(Bucket=s3_storage.name)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["failed"] == ["storage"]


@pytest.mark.django_db(transaction=True)
def test_it_lists_the_database_when_it_is_unreachable(client):
    saved = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"
    try:
        response = client.get("/readyz")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = saved
    assert response.status_code == 503 and response.json()["failed"] == ["database"]
