"""Postgres drops every connection (what a restart does): the next request and the next task succeed."""

import subprocess
import sys

import psycopg2
import pytest
import requests
from django.db import connection
from rest_framework.authtoken.models import Token

from predictor.models import Prediction
from predictor.services import enqueue_reading
from tests.faults.conftest import free_port
from tests.live_worker import ROOT, wait_for, worker_env
from tests.predictor.factories import PredictionFactory

pytestmark = [pytest.mark.slow, pytest.mark.worker, pytest.mark.timeout(240)]


@pytest.fixture
def web_server(start_worker, settings, tmp_path):
    """gunicorn on the test database: persistent connections (CONN_MAX_AGE) like production."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "digitsight.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1"]
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        command, cwd=ROOT, env=worker_env(settings), stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: _up(url), timeout=30)
    yield url
    server.terminate()
    server.wait(timeout=20)


def _up(url) -> bool:
    try:
        return requests.get(f"{url}/api/schema/", timeout=2).status_code < 500
    except (requests.ConnectionError, requests.Timeout):  # not up yet, or its first answer is slow
        return False


def drop_connections() -> int:
    """Terminate every session on the test database from outside, as a server restart would."""
    settings = connection.settings_dict
    with psycopg2.connect(dbname="postgres", user=settings["USER"], host=settings["HOST"] or "127.0.0.1",
                          port=settings["PORT"] or 5432) as admin, admin.cursor() as cursor:  # fmt: skip
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            [settings["NAME"]],
        )
        killed = cursor.fetchone()[0]
    connection.close()  # ours was among them
    return killed


def read(owner) -> Prediction:
    prediction = PredictionFactory(owner=owner)
    enqueue_reading(prediction.pk)
    return wait_for(lambda: Prediction.objects.filter(pk=prediction.pk, status="done").first(), timeout=90)


def test_it_survives_postgres_dropping_every_connection(start_worker, web_server, owner):
    worker = start_worker()
    headers = {"Authorization": f"Token {Token.objects.create(user=owner).key}"}
    assert requests.get(f"{web_server}/api/predictions/", headers=headers, timeout=10).status_code == 200
    read(owner)  # the web process and the worker now hold open connections

    assert drop_connections() >= 2
    response = requests.get(f"{web_server}/api/predictions/", headers=headers, timeout=10)
    assert response.status_code == 200 and response.json()["count"] == 1
    assert read(owner).attempts == 1, worker.log()
