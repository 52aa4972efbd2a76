"""A real `celery worker` subprocess on Redis, for tests whose subject is the worker.

The worker uses the test database (pytest-django's) and the test's MEDIA_ROOT,
so the test must commit its data: request `live_worker`, which pulls in
`transactional_db`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


class WorkerProcess:
    def __init__(self, env: dict, log_path: Path, concurrency: int = 1, cwd: Path = ROOT, hostname: str = ""):
        self.env = env
        self.hostname = hostname or f"test-{os.getpid()}-{time.monotonic_ns()}@%h"
        self.log_path = log_path
        self.concurrency = concurrency
        # Another working directory stands for another host: the project comes from PYTHONPATH.
        self.cwd = cwd
        if cwd != ROOT:
            self.env = {
                **env,
                "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
            }
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> WorkerProcess:
        command = [
            sys.executable, "-m", "celery", "-A", "digitsight", "worker",
            "--pool=prefork", f"--concurrency={self.concurrency}", "--loglevel=INFO",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            f"--hostname={self.hostname}",
        ]  # fmt: skip
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.log()}")
            if b" ready." in self.log_path.read_bytes():
                return self
            time.sleep(0.2)
        raise RuntimeError(f"worker not ready after {timeout}s:\n{self.log()}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:]

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (the main process and its children)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


def worker_env(settings) -> dict:
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="digitsight.settings.test",
        DATABASE_URL=url,
        REDIS_URL=settings.REDIS_URL,
        DIGITSIGHT_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        PYTHONUNBUFFERED="1",
        CELERY_TASK_ALWAYS_EAGER="false",
    )
    return env


def reset_celery_connections(app) -> None:
    """Drop the app's cached broker pool, producer pool and result backend.

    They remember the broker they were made for; after a test that pointed
    Celery elsewhere (tests/faults uses a private Redis) the next task must go
    to whatever broker the settings name now.
    """
    from kombu import pools

    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    # kombu keeps producer pools in a process-wide registry keyed by broker URL:
    # clear it too, or the next task gets the pool closed above.
    pools.reset()
    app._local.__dict__.pop("backend", None)


@pytest.fixture
def celery_on_redis(settings):
    """Send tasks to the Redis broker instead of running them in-process."""
    from digitsight.celery import app

    if not settings.REDIS_URL:
        pytest.skip("REDIS_URL is not set")
    # Celery reads CELERY_-prefixed Django settings before its own keys, so
    # `app.conf.task_always_eager = False` would be shadowed: change the setting
    # (the `settings` fixture restores it).
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert not app.conf.task_always_eager
    reset_celery_connections(app)
    assert app.conf.broker_url == settings.REDIS_URL
    purge_queues(app)
    yield app
    reset_celery_connections(app)


def purge_queues(app) -> None:
    """Empty every queue the workers consume (and Celery's old default), so no task leaks between tests."""
    with app.connection_for_write() as conn:
        for name in {"celery", *(queue.name for queue in app.conf.task_queues)}:
            conn.default_channel.queue_purge(name)


@pytest.fixture
def live_worker(transactional_db, settings, celery_on_redis, tmp_path):
    worker = WorkerProcess(worker_env(settings), tmp_path / "worker.log").start()
    yield worker
    worker.stop()


def wait_for(predicate, timeout: float = 60, interval: float = 0.25):
    """Poll until predicate() is truthy; return its value or fail the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout}s")
