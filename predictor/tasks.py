"""Thin Celery tasks: IDs in, plain functions in predictor.reading do the work.

Results live in Postgres, never in the result backend: ignore_result also keeps `delay()` from
subscribing to the backend, which blocked an upload for 20 s (then broke the app) when Redis was down.
"""

from celery import shared_task

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
    return reading.read(prediction_id, token=self.request.id)


@shared_task(**READING_TASK)
def make_prediction_audio(prediction_id: str) -> str:
    return reading.make_audio(prediction_id)


@shared_task(ignore_result=True)
def sweep_predictions() -> dict:
    return reading.sweep()
