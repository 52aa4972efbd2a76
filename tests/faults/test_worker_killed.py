"""kill -9 of a worker mid-reading: after a restart the reading completes exactly once."""

import os
import signal
import time

import pytest

from predictor.models import Prediction
from predictor.services import enqueue_reading
from predictor.tasks import sweep
from tests.faults.conftest import logs
from tests.live_worker import wait_for
from tests.predictor.factories import PredictionFactory

pytestmark = [pytest.mark.slow, pytest.mark.worker, pytest.mark.timeout(240)]
# Unacked messages come back after this many seconds; idle workers look for them every second.
VISIBILITY = 3
BROKER = {"CELERY_VISIBILITY_TIMEOUT": VISIBILITY, "CELERY_UNACKED_RESTORE_INTERVAL": 1,
          "CELERY_UNACKED_RESTORE_THROTTLE": 1}  # fmt: skip


def status_of(pk) -> str:
    return Prediction.objects.values_list("status", flat=True).get(pk=pk)


def audio_files(settings) -> list:
    root = settings.MEDIA_ROOT / "audio"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_it_completes_exactly_once_after_kill_9(start_worker, owner, settings, tmp_path):
    slow = tmp_path / "slow"
    slow.touch()
    # The sweeper may take over a claim after 2 s: its task and the redelivered one race.
    env = {"FAULTS_SLOW_WHILE": slow, "DIGITSIGHT_STUCK_AFTER_SECONDS": 2, **BROKER}
    first = start_worker(**env)
    prediction = PredictionFactory(owner=owner)
    enqueue_reading(prediction.pk)
    wait_for(lambda: status_of(prediction.pk) == "processing", timeout=60)
    first.kill(signal.SIGKILL)  # the whole process group: no chance to requeue or ack
    slow.unlink()
    assert status_of(prediction.pk) == "processing"

    # The sweeper re-enqueues the orphan under a new task id; the killed task's own message
    # comes back too after the visibility timeout: two deliveries, one reading.
    time.sleep(2)
    settings.DIGITSIGHT_STUCK_AFTER_SECONDS = 2
    assert sweep()["requeued"] == 1
    second = start_worker(**env)
    wait_for(lambda: status_of(prediction.pk) in ("done", "failed"), timeout=90)
    wait_for(lambda: audio_files(settings), timeout=60)
    done = Prediction.objects.get(pk=prediction.pk)
    assert done.status == "done", (done.error, logs(first, second))
    assert done.attempts == 2 and done.number and done.audio  # the killed run and the one that finished
    # A late duplicate delivery must not read or speak again.
    time.sleep(VISIBILITY + 3)
    again = Prediction.objects.get(pk=prediction.pk)
    assert (again.finished_at, again.audio.name, again.attempts) == (done.finished_at, done.audio.name, 2)
    assert len(audio_files(settings)) == 1 and Prediction.objects.count() == 1


def test_it_requeues_when_only_the_pool_process_dies(start_worker, owner, settings, tmp_path):
    slow = tmp_path / "slow"
    slow.touch()
    worker = start_worker(FAULTS_SLOW_WHILE=slow)
    prediction = PredictionFactory(owner=owner)
    enqueue_reading(prediction.pk)
    wait_for(lambda: status_of(prediction.pk) == "processing", timeout=60)
    pid = worker.proc.pid
    children = [int(child) for child in open(f"/proc/{pid}/task/{pid}/children").read().split()]
    assert children, worker.log()
    slow.unlink()
    os.kill(children[0], signal.SIGKILL)  # reject_on_worker_lost: the parent puts the message back
    done = wait_for(lambda: Prediction.objects.filter(pk=prediction.pk, status="done").first(), timeout=90)
    assert done.attempts == 2, worker.log()
