"""Redis down when deferred work is queued: nothing is lost, the sweeper and a real worker finish it."""

import datetime
import os
import signal
import time

import pytest
from django.test import Client
from django.utils import timezone

from grading import tasks as grading_tasks
from grading.models import AudioExport
from predictor import tasks as predictor_tasks
from predictor.models import Prediction
from tests.factories import token_client
from tests.grading.factories import AssignmentFactory, graded
from tests.live_worker import wait_for
from tests.predictor.factories import PredictionFactory

pytestmark = [pytest.mark.slow, pytest.mark.worker, pytest.mark.timeout(240)]
LATER = datetime.timedelta(hours=1)


def with_audio(pk):
    return Prediction.objects.filter(pk=pk).exclude(audio="").first()


def test_it_makes_the_readout_lost_when_a_reading_finished_during_the_outage(
    start_worker, private_redis, owner
):
    prediction = PredictionFactory(owner=owner)
    private_redis.stop()
    # The reading runs while the broker is down: its readout's enqueue fails (robustly).
    assert predictor_tasks.read_prediction.apply(args=[str(prediction.pk)]).get() == "done"
    assert not with_audio(prediction.pk)

    private_redis.start()
    worker = start_worker()
    assert predictor_tasks.sweep(now=timezone.now() + LATER)["audio"] == 1
    assert wait_for(lambda: with_audio(prediction.pk), 90), worker.log()


def test_it_makes_the_readout_of_a_correction_patched_during_the_outage(start_worker, private_redis, owner):
    prediction = PredictionFactory(owner=owner, done=True, finished_at=timezone.now())
    api = token_client(owner, raise_request_exception=False)
    private_redis.stop()
    started = time.monotonic()
    response = api.patch(f"/api/predictions/{prediction.pk}/", {"corrected_number": "428"}, format="json")
    assert response.status_code == 200, response.content[:500]
    assert time.monotonic() - started < 6

    private_redis.start()
    worker = start_worker()
    assert predictor_tasks.sweep(now=timezone.now() + LATER)["audio"] == 1
    assert wait_for(lambda: with_audio(prediction.pk), 90), worker.log()


def test_it_keeps_an_audio_export_requested_during_the_outage_and_builds_it_after(
    start_worker, private_redis, owner
):
    assignment = AssignmentFactory(owner=owner, answer_key=["12", "7"])
    graded(assignment, ["12", "7"], student="Ana")
    web = Client(raise_request_exception=False)
    web.force_login(owner)
    private_redis.stop()

    started = time.monotonic()
    response = web.post(f"/assignments/{assignment.pk}/audio/")
    assert time.monotonic() - started < 6  # it hung 20 s, then answered 500
    export = AudioExport.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/audio/{export.pk}/")
    assert export.status == "pending"

    private_redis.start()
    worker = start_worker()
    assert grading_tasks.sweep(now=timezone.now() + LATER)["exports"] == 1
    done = wait_for(lambda: AudioExport.objects.filter(pk=export.pk, status="done").first(), 90)
    assert done and done.file, worker.log()


def slow_espeak(tmp_path) -> tuple:
    """An espeak-ng first on PATH that says when it starts, then waits while `slow` exists."""
    bin_dir, started, slow = tmp_path / "bin", tmp_path / "speaking", tmp_path / "slow"
    bin_dir.mkdir()
    script = bin_dir / "espeak-ng"
    wait = f'while [ -e "{slow}" ]; do sleep 0.1; done'
    script.write_text(f'#!/bin/sh\ntouch "{started}"\n{wait}\nexec /usr/bin/espeak-ng "$@"\n')
    script.chmod(0o755)
    slow.touch()
    return bin_dir, started, slow


def test_it_makes_the_readout_whose_worker_was_killed_while_speaking(start_worker, owner, tmp_path):
    bin_dir, started, slow = slow_espeak(tmp_path)
    first = start_worker(PATH=f"{bin_dir}:{os.environ['PATH']}")
    prediction = PredictionFactory(owner=owner, done=True, finished_at=timezone.now())
    predictor_tasks.enqueue_audio(prediction.pk)
    assert wait_for(started.exists, 60), first.log()
    first.kill(signal.SIGKILL)  # holding the unacked message: it would come back only after 900 s
    slow.unlink()
    assert not with_audio(prediction.pk)

    second = start_worker()
    assert predictor_tasks.sweep(now=timezone.now() + LATER)["audio"] == 1
    done = wait_for(lambda: with_audio(prediction.pk), 90)
    assert done and done.audio_engine == "espeak-ng", second.log()
