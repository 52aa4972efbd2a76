"""Thin Celery tasks: IDs in, plain functions do the work; results live in Postgres (ignore_result).

ignore_result also keeps `delay()` from subscribing to the result backend, which hung a request
for 20 s when Redis was down.
"""

from celery import shared_task
from django.db import transaction

from grading import exports, services, sweeper


@shared_task(acks_late=True, ignore_result=True)
def grade_submission(submission_id: str, new_reading: bool = False) -> None:
    services.grade_submission(submission_id, new_reading=new_reading)


@shared_task(acks_late=True, ignore_result=True)
def build_audio_export(export_id: str) -> None:
    exports.build_audio_export(export_id)


@shared_task(ignore_result=True)
def sweep_grading() -> dict:
    return sweep()


def sweep(now=None) -> dict:
    """Finish the grading work whose enqueue was lost; safe to run at any time."""
    work = sweeper.find_lost_work(now)
    for pk in work.exports:
        enqueue_audio_export(pk)
    for pk in work.submissions:
        # A few dictionary operations: done right here, like the receiver does.
        services.grade_submission(pk, new_reading=True)
    return {"exports": len(work.exports), "graded": len(work.submissions), "expired": work.expired}


def enqueue_audio_export(export_id) -> None:
    # robust: with the broker down the export stays pending and the sweeper queues it later.
    transaction.on_commit(lambda: build_audio_export.delay(str(export_id)), robust=True)
