"""Deferred work whose enqueue was lost (Redis down at on_commit, a worker killed holding the task).

The sweeper must find every kind: a reading, a readout (after a reading or a correction), an audio
export and a grading. Here tasks run eagerly; test_lost_work_redis.py loses them for real.
"""

import datetime

import pytest
from django.utils import timezone

from grading import tasks as grading_tasks
from grading.models import AudioExport, Submission
from predictor import tasks as predictor_tasks
from predictor.models import Prediction
from tests.grading.factories import AssignmentFactory, SubmissionFactory, reader_result
from tests.predictor.factories import PredictionFactory, with_audio

pytestmark = pytest.mark.django_db
LONG_AGO = timezone.now() - datetime.timedelta(hours=1)


def age(model, pk, **fields):
    model.objects.filter(pk=pk).update(**fields)


def sweep_predictions(capture):
    with capture(execute=True):
        return predictor_tasks.sweep()


def test_it_makes_the_readout_of_a_done_prediction_that_has_none(owner, django_capture_on_commit_callbacks):
    lost = PredictionFactory(owner=owner, done=True, finished_at=LONG_AGO)
    spoken = with_audio(PredictionFactory(owner=owner, done=True, finished_at=LONG_AGO))
    counts = sweep_predictions(django_capture_on_commit_callbacks)
    assert counts == {"requeued": 0, "failed": 0, "audio": 1}
    lost.refresh_from_db()
    assert lost.audio and lost.audio_engine == "espeak-ng"
    spoken.refresh_from_db()
    assert spoken.audio_engine == "gtts"  # untouched


def test_it_leaves_a_just_finished_readout_to_its_own_task(owner, django_capture_on_commit_callbacks):
    PredictionFactory(owner=owner, done=True, finished_at=timezone.now())
    assert sweep_predictions(django_capture_on_commit_callbacks)["audio"] == 0


def test_it_makes_the_readout_lost_after_a_correction(owner, django_capture_on_commit_callbacks):
    # A correction on an old reading clears its audio; the enqueue of the new one was lost.
    corrected = PredictionFactory(owner=owner, done=True, finished_at=LONG_AGO, corrected_number="428")
    sweep_predictions(django_capture_on_commit_callbacks)
    corrected.refresh_from_db()
    assert corrected.audio


def test_it_does_not_loop_forever_on_very_old_readings(owner, settings, django_capture_on_commit_callbacks):
    ancient = timezone.now() - datetime.timedelta(seconds=settings.DIGITSIGHT_SWEEP_WINDOW_SECONDS + 60)
    PredictionFactory(owner=owner, done=True, finished_at=ancient)
    assert sweep_predictions(django_capture_on_commit_callbacks)["audio"] == 0


def test_it_rebuilds_an_audio_export_left_pending(owner, django_capture_on_commit_callbacks):
    assignment = AssignmentFactory(owner=owner)
    lost = AudioExport.objects.create(assignment=assignment, requested_by=owner)
    fresh = AudioExport.objects.create(assignment=assignment, requested_by=owner)
    age(AudioExport, lost.pk, created_at=LONG_AGO)
    with django_capture_on_commit_callbacks(execute=True):
        counts = grading_tasks.sweep()
    assert counts["exports"] == 1
    statuses = dict(AudioExport.objects.values_list("pk", "status"))
    assert statuses == {lost.pk: "done", fresh.pk: "pending"}


def test_it_fails_an_export_too_old_to_finish(owner, settings, django_capture_on_commit_callbacks):
    assignment = AssignmentFactory(owner=owner)
    export = AudioExport.objects.create(assignment=assignment, requested_by=owner)
    ancient = timezone.now() - datetime.timedelta(seconds=settings.DIGITSIGHT_SWEEP_WINDOW_SECONDS + 60)
    age(AudioExport, export.pk, created_at=ancient)
    with django_capture_on_commit_callbacks(execute=True):
        assert grading_tasks.sweep()["expired"] == 1
    export.refresh_from_db()
    assert export.status == "failed" and "start a new" in export.error


def test_it_grades_a_submission_whose_reading_finished_unseen(owner, django_capture_on_commit_callbacks):
    # The reading finished, but the grading receiver never ran (the worker died, the database dropped).
    assignment = AssignmentFactory(owner=owner, answer_key=["12", "7", "345"])
    unseen = SubmissionFactory(assignment=assignment)
    Prediction.objects.filter(pk=unseen.prediction_id).update(
        status="done", result=reader_result(["12", "7", "345"]), finished_at=LONG_AGO
    )
    waiting = SubmissionFactory(
        assignment=assignment, prediction__status="pending"
    )  # still being read: nothing to do yet
    with django_capture_on_commit_callbacks(execute=True):
        assert grading_tasks.sweep()["graded"] == 1
    statuses = dict(Submission.objects.values_list("pk", "status"))
    assert statuses[unseen.pk] == "graded" and statuses[waiting.pk] == "pending"
    assert Submission.objects.get(pk=unseen.pk).score == 3


def test_it_regrades_a_submission_after_an_unseen_rerun(owner, django_capture_on_commit_callbacks):
    assignment = AssignmentFactory(owner=owner, answer_key=["12"])
    submission = SubmissionFactory(assignment=assignment)
    Prediction.objects.filter(pk=submission.prediction_id).update(status="done", result=reader_result(["1"]))
    from grading.services import grade_submission

    grade_submission(submission.pk)
    age(Submission, submission.pk, graded_at=LONG_AGO)
    # A re-run read it again later, and its grading was lost.
    Prediction.objects.filter(pk=submission.prediction_id).update(
        result=reader_result(["12"]), finished_at=LONG_AGO + datetime.timedelta(minutes=5)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert grading_tasks.sweep()["graded"] == 1
    assert Submission.objects.get(pk=submission.pk).score == 1


def test_it_schedules_both_sweeps_often(settings):
    from digitsight.celery import app

    tasks = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert tasks.keys() >= {"predictor.tasks.sweep_predictions", "grading.tasks.sweep_grading"}
    assert all(name in app.tasks for name in tasks)
    # Lost work is found within a few minutes, not only after the 10-minute stuck limit.
    assert max(tasks.values()) <= 60
