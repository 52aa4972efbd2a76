"""A teacher's photo is not stuck behind a class set: a real worker takes `photos` first."""

import pytest

from predictor.models import Prediction
from predictor.services import enqueue_reading
from tests.live_worker import WorkerProcess, wait_for, worker_env
from tests.predictor.factories import PredictionFactory

pytestmark = [pytest.mark.worker, pytest.mark.timeout(180)]


def test_it_reads_a_photo_before_the_class_pages_queued_ahead_of_it(
    transactional_db, settings, celery_on_redis, tmp_path, owner
):
    pages = [PredictionFactory(owner=owner, original_name=f"page-{i}.png") for i in range(6)]
    for page in pages:
        enqueue_reading(page.pk, queue="pages")
    photo = PredictionFactory(owner=owner, original_name="photo.png")
    enqueue_reading(photo.pk)  # routed to `photos`, after all the pages
    worker = WorkerProcess(worker_env(settings), tmp_path / "worker.log", concurrency=1).start()
    try:
        wait_for(lambda: not Prediction.objects.exclude(status="done").exists(), timeout=120)
    finally:
        worker.stop()
    order = list(Prediction.objects.order_by("started_at").values_list("original_name", flat=True))
    assert order[0] == "photo.png", order
    assert order[1:] == [f"page-{i}.png" for i in range(6)], "class pages are read first come, first served"
