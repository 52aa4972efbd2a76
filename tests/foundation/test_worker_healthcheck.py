"""The worker's compose health check, run for real against a worker on Redis."""

import subprocess
import uuid

import pytest

from tests.foundation._subprocess import ROOT, VENV_BIN
from tests.foundation.test_docker_compose import SERVICES
from tests.live_worker import WorkerProcess, worker_env

pytestmark = [pytest.mark.worker, pytest.mark.slow]


def health_check(env: dict, container: str) -> subprocess.CompletedProcess:
    # CMD-SHELL: compose turns $$ into $, then the container's shell expands $HOSTNAME.
    script = SERVICES["worker"]["healthcheck"]["test"][1].replace("$$", "$")
    env = env | {"HOSTNAME": container, "PATH": f"{VENV_BIN}:{env.get('PATH', '/usr/bin:/bin')}"}
    return subprocess.run(["sh", "-c", script], cwd=ROOT, env=env, capture_output=True, timeout=60)


def test_it_pings_the_containers_own_worker(transactional_db, settings, celery_on_redis, tmp_path):
    container = f"c{uuid.uuid4().hex[:10]}"
    env = worker_env(settings)
    # Celery names a worker celery@<hostname> by default, as in the container.
    worker = WorkerProcess(env, tmp_path / "worker.log", hostname=f"celery@{container}").start()
    try:
        result = health_check(env, container)
        assert result.returncode == 0, (result.stdout, result.stderr, worker.log())
        assert b"pong" in result.stdout
        # Another container's name gets no answer: the check is about this worker only.
        assert health_check(env, "some-other-container").returncode != 0
    finally:
        worker.stop()
