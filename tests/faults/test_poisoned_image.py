"""A poisoned image: the prediction fails with a reason, and the same worker reads the next one."""

import pytest
from django.core.files.base import ContentFile

from predictor.models import Prediction
from predictor.services import enqueue_reading
from tests.live_worker import wait_for
from tests.predictor import images
from tests.predictor.factories import PredictionFactory

pytestmark = [pytest.mark.slow, pytest.mark.worker, pytest.mark.timeout(240)]
POISON_WIDTH = 333


def poisoned(owner) -> Prediction:
    png = images.number_png("13", size=(POISON_WIDTH, 160))
    return PredictionFactory(owner=owner, width=POISON_WIDTH, image=ContentFile(png, name="page.png"))


def finished(pk):
    return Prediction.objects.filter(pk=pk, status__in=("done", "failed")).first()


def test_it_fails_an_image_that_makes_the_reader_raise(start_worker, owner):
    worker = start_worker(FAULTS_POISON_WIDTH=POISON_WIDTH, FAULTS_POISON="raise")
    bad, good = poisoned(owner), PredictionFactory(owner=owner)
    enqueue_reading(bad.pk)
    enqueue_reading(good.pk)
    failed = wait_for(lambda: finished(bad.pk), timeout=90)
    assert failed.status == "failed" and failed.attempts == 1, worker.log()
    assert "could not process this image (IndexError)" in failed.error and "Re-run" in failed.error
    assert wait_for(lambda: finished(good.pk), timeout=60).status == "done", worker.log()


def test_it_gives_up_on_an_image_that_kills_the_reader_process(start_worker, owner, settings):
    # A native crash kills the pool process; reject_on_worker_lost puts the message back,
    # so without a cap the same image would crash the worker forever.
    worker = start_worker(FAULTS_POISON_WIDTH=POISON_WIDTH, FAULTS_POISON="segv", DIGITSIGHT_MAX_ATTEMPTS=2)
    bad = poisoned(owner)
    enqueue_reading(bad.pk)
    failed = wait_for(lambda: finished(bad.pk), timeout=120)
    assert failed.status == "failed" and failed.attempts == 2, worker.log()
    assert "stopped the reader" in failed.error and "Re-run" in failed.error
    assert worker.log().count("exited with 'signal 11 (SIGSEGV)'") == 2
    good = PredictionFactory(owner=owner)
    enqueue_reading(good.pk)
    assert wait_for(lambda: finished(good.pk), timeout=60).status == "done", worker.log()
