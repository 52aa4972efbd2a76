"""Celery task counts, latencies and failures, recorded in Redis from the workers' signals.

Workers are separate processes, often on other hosts, so per-process counters would be lost:
each outcome goes to Redis hashes that /metrics (digitsight/metrics.py) reads back. No Django
import at module level: digitsight/celery.py loads this before the settings.
"""

from __future__ import annotations

import logging
import time

from billiard.exceptions import WorkerLostError
from celery import signals
from celery.exceptions import TimeLimitExceeded

log = logging.getLogger(__name__)

PREFIX = "digitsight:metrics"
COUNTS = f"{PREFIX}:tasks"  # hash "task\tstate" -> count
DURATIONS = f"{PREFIX}:durations"  # hash "task\tle" -> count (cumulative), "task\tsum" -> seconds
# Seconds. A photo takes tens of milliseconds, a 50-page PDF or an audio ZIP up to minutes.
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
_started: dict[str, float] = {}
_clients: dict[str, object] = {}


def redis_client():
    """One client per process and URL, made lazily (after the pool forks); None without Redis."""
    from django.conf import settings

    url = settings.REDIS_URL
    if not url:
        return None
    if url not in _clients:
        import redis

        # Short timeouts: a metric must never hold up a task when Redis is unwell.
        _clients[url] = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
    return _clients[url]


def record(task: str, state: str, seconds: float | None = None) -> None:
    """Count one task outcome (and its duration). Never raises: metrics are best effort."""
    try:
        client = redis_client()
        if client is None:
            return
        pipe = client.pipeline(transaction=False)
        pipe.hincrby(COUNTS, f"{task}\t{state}", 1)
        if seconds is not None:
            pipe.hincrbyfloat(DURATIONS, f"{task}\tsum", seconds)
            pipe.hincrby(DURATIONS, f"{task}\tcount", 1)
            for le in BUCKETS:
                if seconds <= le:
                    pipe.hincrby(DURATIONS, f"{task}\t{le}", 1)
        pipe.execute()
    except Exception as exc:  # Redis down or slow: drop the sample, keep the task
        log.debug("metrics: could not record %s %s: %r", task, state, exc)


@signals.task_prerun.connect
def _on_prerun(task_id=None, **kwargs):
    _started[task_id] = time.monotonic()


@signals.task_postrun.connect
def _on_postrun(task_id=None, task=None, state=None, **kwargs):
    # state is SUCCESS, FAILURE or RETRY (an autoretry), so failures and retries count here too.
    started = _started.pop(task_id, None)
    seconds = time.monotonic() - started if started is not None else None
    record(task.name, (state or "unknown").lower(), seconds)


@signals.task_failure.connect
def _on_killed(sender=None, exception=None, **kwargs):
    # A pool child killed at the hard time limit (or lost) cannot report itself: the worker's
    # main process signals it. Exceptions the task raised itself are counted by postrun above.
    if isinstance(exception, (TimeLimitExceeded, WorkerLostError)):
        record(sender.name, "killed")
