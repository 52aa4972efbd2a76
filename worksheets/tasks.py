"""Thin tasks: IDs in, worksheets.reading does the work (queue `pages`)."""

from celery import shared_task

from predictor.tasks import READING_TASK
from worksheets import reading, services


@shared_task(**READING_TASK)
def read_worksheet_page(submission_id: str) -> str:
    return reading.read_page(submission_id)


@shared_task(ignore_result=True)
def sweep_worksheet_pages() -> int:
    return services.sweep_page_readings()
