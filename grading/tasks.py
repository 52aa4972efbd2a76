from celery import shared_task

from grading import exports, services


@shared_task(acks_late=True)
def grade_submission(submission_id: str, new_reading: bool = False) -> None:
    services.grade_submission(submission_id, new_reading=new_reading)


@shared_task(acks_late=True)
def build_audio_export(export_id: str) -> None:
    exports.build_audio_export(export_id)
