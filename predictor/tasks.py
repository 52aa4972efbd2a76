"""Thin Celery tasks: IDs in, plain functions in predictor.reading do the work."""

from celery import shared_task

from predictor import reading


@shared_task(
    bind=True,
    autoretry_for=reading.TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
)
def read_prediction(self, prediction_id: str) -> str:
    # The task id is the claim token: a retry or redelivery of this task may resume its own claim.
    return reading.read(prediction_id, token=self.request.id)


@shared_task(
    autoretry_for=reading.TRANSIENT_ERRORS,
    retry_backoff=True,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
    acks_late=True,
)
def make_prediction_audio(prediction_id: str) -> str:
    return reading.make_audio(prediction_id)


@shared_task
def sweep_predictions() -> dict:
    return reading.sweep()
