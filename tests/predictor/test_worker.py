"""A real Celery worker on Redis reads uploads, retries transient errors, and is swept."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from predictor import reading
from predictor.models import Prediction
from predictor.services import enqueue_reading
from tests.factories import token_client
from tests.live_worker import wait_for
from tests.predictor import images
from tests.predictor.conftest import READER, STANDIN_READER, upload_file
from tests.predictor.factories import PredictionFactory

pytestmark = pytest.mark.timeout(180)


def finished(pk):
    prediction = Prediction.objects.get(pk=pk)
    return prediction if prediction.status in ("done", "failed") else None


def test_it_reads_an_upload_end_to_end(live_worker, owner):
    client = token_client(owner)
    response = client.post(
        "/api/predictions/", {"image": upload_file("n.png", images.mnist_number_png("427"))}
    )
    assert response.status_code == 202
    pk = response.json()["id"]
    prediction = wait_for(lambda: finished(pk), timeout=90)
    assert prediction.status == "done", (prediction.error, live_worker.log())
    assert prediction.result["numbers"] and prediction.number
    if READER != STANDIN_READER:
        assert prediction.number == "427"
    with_audio = wait_for(lambda: Prediction.objects.filter(pk=pk).exclude(audio="").first(), timeout=60)
    assert with_audio.audio_engine == "espeak-ng" and with_audio.audio.read(4) == b"RIFF"
    assert client.get(f"/api/predictions/{pk}/audio/")["Content-Type"] == "audio/wav"


def test_it_retries_a_transient_error_then_succeeds(live_worker, owner):
    prediction = PredictionFactory(owner=owner)
    reading.plan_fault(prediction.pk, "operational", times=2)
    enqueue_reading(prediction.pk)
    done = wait_for(lambda: finished(prediction.pk), timeout=90)
    assert done.status == "done", live_worker.log()
    assert done.attempts == 3 and "injected: database went away" in live_worker.log()


def test_it_stores_a_permanent_failure(live_worker, owner):
    prediction = PredictionFactory(owner=owner)
    reading.plan_fault(prediction.pk, "crash")
    enqueue_reading(prediction.pk)
    failed = wait_for(lambda: finished(prediction.pk), timeout=90)
    assert failed.status == "failed" and failed.attempts == 1
    assert "could not process this image" in failed.error and not failed.audio


def test_it_sweeps_stuck_predictions_back_to_the_worker(live_worker, owner):
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    lost = PredictionFactory(owner=owner)  # pending, its task never queued
    crashed = PredictionFactory(owner=owner, status="processing", claimed_by="dead-task", attempts=1)
    Prediction.objects.filter(pk__in=[lost.pk, crashed.pk]).update(created_at=long_ago, started_at=long_ago)
    call_command("sweep_predictions")
    for pk in (lost.pk, crashed.pk):
        assert wait_for(lambda pk=pk: finished(pk), timeout=90).status == "done", live_worker.log()
    assert Prediction.objects.get(pk=crashed.pk).attempts == 2
