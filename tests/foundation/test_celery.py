"""The Celery wiring: settings that keep tasks safe, and a real worker on Redis."""

import pytest
from django.db import transaction

from accounts.tasks import ping
from digitsight.celery import app


def test_it_uses_json_only():
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"
    assert list(app.conf.accept_content) == ["json"]


def test_it_acknowledges_late_and_requeues_lost_tasks():
    # A worker killed mid-task (OOM, deploy) must not lose the task.
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_it_keeps_the_visibility_timeout_above_the_time_limits():
    # Otherwise Redis redelivers a slow but healthy task to a second worker.
    soft, hard = app.conf.task_soft_time_limit, app.conf.task_time_limit
    assert 0 < soft < hard < app.conf.broker_transport_options["visibility_timeout"]


def test_it_runs_eagerly_by_default_in_tests():
    assert ping.delay().get(timeout=5) == "pong"


@pytest.mark.worker
@pytest.mark.slow
def test_it_runs_a_task_on_a_real_worker(live_worker, settings):
    result = ping.delay()
    backend = result.backend  # Celery drops the reference once the result is fetched.
    assert result.get(timeout=60) == "pong"
    # The answer came back through Redis, not an in-process shortcut.
    assert type(backend).__name__ == "RedisBackend"
    assert backend.client.connection_pool.connection_kwargs["db"] == int(settings.REDIS_URL.rsplit("/", 1)[1])
    assert "accounts.tasks.ping" in live_worker.log()


@pytest.mark.worker
@pytest.mark.slow
def test_it_sends_on_commit_tasks_only_after_the_commit(live_worker):
    sent = []
    with transaction.atomic():
        transaction.on_commit(lambda: sent.append(ping.delay()))
        assert sent == []
    assert sent[0].get(timeout=60) == "pong"
