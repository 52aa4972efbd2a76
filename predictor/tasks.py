"""Thin Celery tasks: IDs in, plain functions in predictor.reading do the work.

This module is predictor's only caller of `.delay()`: the layers go views/api -> services -> tasks
-> reading -> models, and reading reports back (what it returns) instead of queueing work itself.

Results live in Postgres, never in the result backend: ignore_result also keeps `delay()` from
subscribing to the backend, which blocked an upload for 20 s (then broke the app) when Redis was down.
"""

from celery import shared_task
from django.db import transaction

from predictor import reading

# A database or network hiccup is worth another try later; the image itself is not.
READING_TASK = dict(
    autoretry_for=reading.TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
    ignore_result=True,
)


@shared_task(bind=True, **READING_TASK)
def read_prediction(self, prediction_id: str) -> str:
    # The task id is the claim token: a retry or redelivery of this task may resume its own claim.
    outcome = reading.read(prediction_id, token=self.request.id)
    if outcome == "done":
        enqueue_audio(prediction_id)
    return outcome


@shared_task(**READING_TASK)
def make_prediction_audio(prediction_id: str) -> str:
    return reading.make_audio(prediction_id)


@shared_task(ignore_result=True)
def sweep_predictions() -> dict:
    return sweep()


def sweep(now=None) -> dict:
    """Queue again every reading and readout whose enqueue was lost (idempotent: both skip done work)."""
    work = reading.find_lost_work(now)
    for pk in work.readings:
        enqueue_reading(pk)
    for pk in work.audio:
        enqueue_audio(pk)
    return {"requeued": len(work.readings), "failed": work.failed, "audio": len(work.audio)}


def enqueue_reading(prediction_id, queue: str | None = None) -> None:
    """Queue the reading once the current transaction commits (at once outside one).

    Without `queue` the task goes where CELERY_TASK_ROUTES sends it (`photos`).
    """
    options = {"queue": queue} if queue else {}
    # robust: a broker outage must not turn a stored upload into an error; the sweeper retries.
    transaction.on_commit(lambda: read_prediction.apply_async((str(prediction_id),), **options), robust=True)


def enqueue_audio(prediction_id) -> None:
    transaction.on_commit(lambda: make_prediction_audio.delay(str(prediction_id)), robust=True)
