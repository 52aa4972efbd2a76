"""Run the compose `web` command for real: migrate, collectstatic, then gunicorn answering HTTP."""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.foundation._subprocess import ROOT, clean_env, run
from tests.foundation.test_docker_compose import SERVICES, command

pytestmark = pytest.mark.slow
METRICS_TOKEN = secrets.token_urlsafe(24)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(tmp_path) -> dict:
    return clean_env(
        DJANGO_SETTINGS_MODULE="digitsight.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="digitsight.example,127.0.0.1",
        DIGITSIGHT_VAR_DIR=str(tmp_path),  # SQLite and STATIC_ROOT in the test's own folder
    )


def fetch(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={"Host": "digitsight.example", **headers})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"web command exited with {proc.returncode}:\n{proc.stdout.read()[-3000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    pytest.fail("gunicorn did not start listening")


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    # One server for the module: migrate + collectstatic take most of a minute on a busy box.
    tmp_path = tmp_path_factory.mktemp("web")
    port = free_port()
    # Compose turns $$ into $ before the shell sees the command.
    script = command("web")[-1].replace("$$", "$").replace("--bind 0.0.0.0:8000", f"--bind 127.0.0.1:{port}")
    assert f"127.0.0.1:{port}" in script
    env = production_env(tmp_path) | {
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"),
        "DIGITSIGHT_METRICS_TOKEN": METRICS_TOKEN,
    }
    proc = subprocess.Popen(
        ["sh", "-c", script],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # one process group: sh, gunicorn master and its workers
    )
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}", tmp_path
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_it_serves_pages_and_static_files(web):
    base, var_dir = web
    status, _, body = fetch(f"{base}/accounts/login/", **{"X-Forwarded-Proto": "https"})
    assert status == 200
    assert b"Log in" in body
    # WhiteNoise serves the collected, hashed Bootstrap with a far-future cache header.
    manifest = json.loads((var_dir / "static" / "staticfiles.json").read_text())["paths"]
    css = manifest["vendor/bootstrap/css/bootstrap.min.css"]
    assert re.search(r"\.[0-9a-f]{12}\.", css)
    assert f"/static/{css}".encode() in body
    status, headers, _ = fetch(f"{base}/static/{css}", **{"X-Forwarded-Proto": "https"})
    assert status == 200
    assert "immutable" in headers["Cache-Control"]


def test_it_redirects_plain_http_to_https(web):
    base, _ = web
    status, headers, _ = fetch(f"{base}/accounts/login/")
    assert status == 301
    assert headers["Location"] == "https://digitsight.example/accounts/login/"


def test_it_refuses_unknown_hosts(web):
    base, _ = web
    status, _, _ = fetch(f"{base}/accounts/login/", Host="evil.example", **{"X-Forwarded-Proto": "https"})
    assert status == 400


def test_it_collects_static_files_without_errors(tmp_path):
    result = run(
        ["manage.py", "collectstatic", "--noinput", "--dry-run"],
        DJANGO_SETTINGS_MODULE="digitsight.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_ALLOWED_HOSTS="digitsight.example",
        DIGITSIGHT_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert "static files copied" in result.stdout


def test_it_passes_the_compose_health_check_over_plain_http(web):
    # The command compose runs inside the container, pointed at this server's port.
    base, _ = web
    check = SERVICES["web"]["healthcheck"]["test"]
    script = check[3].replace("http://127.0.0.1:8000", base)
    assert script != check[3]
    result = subprocess.run([sys.executable, "-c", script], env=clean_env(), capture_output=True, timeout=30)
    assert result.returncode == 0, result.stderr
    # It is not vacuous: a path that is not a probe fails the same command.
    broken = subprocess.run(
        [sys.executable, "-c", script.replace("/healthz", "/nothing-here")],
        env=clean_env(),
        capture_output=True,
    )
    assert broken.returncode != 0


def test_it_answers_readyz_from_any_host_without_redirecting(web):
    base, _ = web
    status, _, body = fetch(f"{base}/readyz", Host="10.1.2.3:8000")
    assert status == 200, body
    assert json.loads(body)["checks"] == {"database": "ok", "redis": "ok", "storage": "ok", "model": "ok"}


def test_it_adds_up_the_metrics_of_every_gunicorn_worker(web):
    base, var_dir = web
    https = {"X-Forwarded-Proto": "https"}
    for _ in range(8):
        assert fetch(f"{base}/accounts/login/", **https)[0] == 200
    totals = []
    for _ in range(4):  # each scrape may be answered by either worker: all must agree
        status, _, body = fetch(f"{base}/metrics", Authorization=f"Bearer {METRICS_TOKEN}", **https)
        assert status == 200
        totals.append(
            sum(
                sample.value
                for family in text_string_to_metric_families(body.decode())
                for sample in family.samples
                if sample.name == "django_http_requests_total_by_method_total"
                and sample.labels["method"] == "GET"
            )
        )
    assert len(set(totals)) == 1 and totals[0] >= 8, totals
    assert list((var_dir / "prometheus").glob("counter_*.db"))
