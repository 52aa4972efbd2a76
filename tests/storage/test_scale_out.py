"""Scale-out: two worker processes that share no disk finish 100 uploads exactly once.

Each worker has its own working directory and its own empty MEDIA_ROOT, as on another host;
all they share with the web side is PostgreSQL, Redis and the S3 bucket (moto's server).
"""

import re
import time

import pytest

from predictor.models import Prediction
from tests.factories import token_client
from tests.live_worker import WorkerProcess, wait_for, worker_env
from tests.predictor import images
from tests.predictor.conftest import upload_file

UPLOADS = 100
SUCCEEDED = re.compile(r"Task (predictor\.tasks\.\w+)\[([0-9a-f-]+)\] succeeded in [\d.e-]+s: '(\w[\w-]*)'")


@pytest.fixture
def two_hosts(transactional_db, settings, celery_on_redis, s3_storage, tmp_path):
    workers = []
    for name in ("host-a", "host-b"):
        home = tmp_path / name
        (home / "media").mkdir(parents=True)
        env = worker_env(settings) | s3_storage.env | {"DIGITSIGHT_MEDIA_ROOT": str(home / "media")}
        workers.append(WorkerProcess(env, home / "worker.log", concurrency=2, cwd=home))
    for worker in workers:
        worker.start()
    yield workers
    for worker in workers:
        worker.stop()


def finished(predictions) -> bool:
    rows = Prediction.objects.filter(pk__in=predictions)
    return rows.filter(status="done").exclude(audio="").count() == len(predictions)


def completions(workers) -> list[tuple[str, str, str]]:
    return [match for worker in workers for match in SUCCEEDED.findall(worker.log_path.read_text())]


@pytest.mark.worker
@pytest.mark.slow
@pytest.mark.timeout(600)
def test_it_finishes_every_upload_exactly_once_on_two_workers_without_a_shared_disk(
    two_hosts, s3_storage, owner, settings
):
    api = token_client(owner)
    started = time.monotonic()
    ids = []
    for n in range(UPLOADS):
        data = images.number_png(str(100 + n))
        response = api.post(
            "/api/predictions/", {"image": upload_file(f"p{n}.png", data)}, format="multipart"
        )
        assert response.status_code == 202, response.content
        ids.append(response.json()["id"])
    wait_for(lambda: finished(ids), timeout=420, interval=0.5)
    elapsed = time.monotonic() - started
    print(f"\nscale-out: {UPLOADS} uploads read and spoken by 2 workers in {elapsed:.1f}s")

    rows = list(Prediction.objects.filter(pk__in=ids))
    assert {p.attempts for p in rows} == {1}, "a reading was claimed twice"
    assert len({p.claimed_by for p in rows}) == UPLOADS
    # One object per page and per readout: no duplicate result or audio was stored.
    assert s3_storage.keys("images/") == sorted(p.image.name for p in rows)
    assert s3_storage.keys("audio/") == sorted(p.audio.name for p in rows)
    assert s3_storage.keys() == sorted([*s3_storage.keys("images/"), *s3_storage.keys("audio/")])
    done = completions(two_hosts)
    readings = [task_id for name, task_id, result in done if name == "predictor.tasks.read_prediction"]
    audio = [task_id for name, task_id, result in done if name == "predictor.tasks.make_prediction_audio"]
    assert len(readings) == len(set(readings)) == UPLOADS
    assert len(audio) == len(set(audio)) == UPLOADS
    assert {result for name, _, result in done} <= {"done", "espeak-ng"}, "a task skipped or failed"
    # Both hosts took part, and neither wrote a media file to its own disk.
    assert all(SUCCEEDED.search(w.log_path.read_text()) for w in two_hosts)
    for worker in two_hosts:
        assert not any(p.is_file() for p in (worker.cwd / "media").rglob("*"))
    assert not settings.MEDIA_ROOT.exists() or not any(p.is_file() for p in settings.MEDIA_ROOT.rglob("*"))
