"""Fault tests: a private Redis the test may stop, real workers it may kill, never the shared services."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis

from tests.live_worker import WorkerProcess, reset_celery_connections, worker_env
from tests.predictor.conftest import _reader  # noqa: F401 - same reader and fault switch as predictor tests

FAULTY_READER = "tests.faults.faulty_reader.get_reader"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server owned by one test, on its own port: stopping it disturbs nobody else."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--daemonize", "no", "--dir", str(self.workdir)]  # fmt: skip
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_timeout=1).ping():
                    return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def celery_on_private_redis(settings, private_redis):
    """Tasks, results and the cache all go to the private Redis, as REDIS_URL does in production."""
    from django.core.cache import cache

    from digitsight.celery import app

    settings.REDIS_URL = settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = private_redis.url
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": private_redis.url}
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    reset_celery_connections(app)
    assert app.conf.broker_url == private_redis.url and not app.conf.task_always_eager
    yield app
    cache.close()
    reset_celery_connections(app)


@pytest.fixture
def start_worker(transactional_db, settings, celery_on_private_redis, tmp_path, monkeypatch):
    """start_worker(**env) -> a running worker on the private Redis; all are stopped at the end."""
    monkeypatch.setenv("DIGITSIGHT_READER", FAULTY_READER)
    workers: list[WorkerProcess] = []

    def start(**extra_env) -> WorkerProcess:
        env = worker_env(settings)
        env.update({key: str(value) for key, value in extra_env.items()})
        worker = WorkerProcess(env, tmp_path / f"worker-{len(workers)}.log")
        workers.append(worker)
        return worker.start()

    yield start
    for worker in workers:
        worker.stop()


def logs(*workers: WorkerProcess) -> str:
    return "\n".join(w.log() for w in workers)
