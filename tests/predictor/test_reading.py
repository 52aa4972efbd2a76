"""The reading task in-process (eager): result storage, idempotency, failures, signal, audio."""

import pytest
from django.core.files.base import ContentFile

from predictor import reading
from predictor.models import Prediction
from predictor.signals import prediction_finished
from predictor.tasks import read_prediction
from tests.predictor.conftest import media_files
from tests.predictor.factories import PredictionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished():
    seen = []

    def receiver(sender, prediction, **kwargs):
        seen.append((prediction.pk, prediction.status))

    prediction_finished.connect(receiver)
    yield seen
    prediction_finished.disconnect(receiver)


def test_it_stores_the_reading_and_its_audio(owner, finished, django_capture_on_commit_callbacks):
    prediction = PredictionFactory(owner=owner)
    with django_capture_on_commit_callbacks(execute=True):
        assert read_prediction.delay(str(prediction.pk)).get() == "done"
    prediction.refresh_from_db()
    numbers = prediction.result["numbers"]
    assert prediction.status == "done" and prediction.attempts == 1
    assert prediction.number == " ".join(n["number"] for n in numbers)
    assert prediction.confidence == min(n["confidence"] for n in numbers)
    assert prediction.model_version and prediction.started_at <= prediction.finished_at
    assert finished == [(prediction.pk, "done")]
    assert prediction.audio.name.endswith(".wav") and prediction.audio_engine == "espeak-ng"
    assert prediction.audio_language == "en"


def test_it_reads_a_done_prediction_only_once(owner, django_capture_on_commit_callbacks, settings):
    prediction = PredictionFactory(owner=owner)
    with django_capture_on_commit_callbacks(execute=True):
        read_prediction.delay(str(prediction.pk))
    first = Prediction.objects.get(pk=prediction.pk)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert read_prediction.delay(str(prediction.pk)).get() == "skipped"
    assert callbacks == []  # no second audio job
    again = Prediction.objects.get(pk=prediction.pk)
    assert (again.attempts, again.finished_at, again.audio.name) == (1, first.finished_at, first.audio.name)
    assert len([p for p in media_files(settings) if p.parent.parent.name == "audio"]) == 1


def test_it_lets_only_the_claiming_task_store_a_result(owner):
    prediction = PredictionFactory(owner=owner)
    assert reading.claim(prediction.pk, "task-a") is not None
    # A second, concurrent delivery finds the reading owned by task-a.
    assert reading.read(prediction.pk, token="task-b") == "skipped"
    assert reading.finish_done(prediction.pk, "task-b", {"numbers": []}, "x") == "skipped"
    assert reading.finish_done(prediction.pk, "task-a", {"numbers": []}, "x") == "done"
    assert Prediction.objects.get(pk=prediction.pk).model_version == "x"


def test_it_marks_an_undecodable_image_failed_with_a_reason(
    owner, finished, django_capture_on_commit_callbacks
):
    prediction = PredictionFactory(owner=owner, image=ContentFile(b"not a png at all", name="x.png"))
    with django_capture_on_commit_callbacks(execute=True):
        assert reading.read(prediction.pk) == "failed"
    prediction.refresh_from_db()
    assert prediction.status == "failed" and prediction.finished_at
    assert prediction.error and "Traceback" not in prediction.error
    assert not prediction.audio
    assert finished == [(prediction.pk, "failed")]


def test_it_marks_a_reader_crash_failed(owner, settings):
    settings.DIGITSIGHT_FAULT_INJECTION = True
    prediction = PredictionFactory(owner=owner)
    reading.plan_fault(prediction.pk, "crash")
    assert reading.read(prediction.pk) == "failed"
    prediction.refresh_from_db()
    assert "could not process this image (RuntimeError)" in prediction.error


def test_it_leaves_a_transient_error_to_the_retry(owner, settings):
    settings.DIGITSIGHT_FAULT_INJECTION = True
    prediction = PredictionFactory(owner=owner)
    reading.plan_fault(prediction.pk, "operational")
    with pytest.raises(reading.OperationalError):
        reading.read(prediction.pk, token="t1")
    assert Prediction.objects.get(pk=prediction.pk).status == "processing"
    # The retry of the same task resumes its own claim.
    assert reading.read(prediction.pk, token="t1") == "done"
    assert Prediction.objects.get(pk=prediction.pk).attempts == 2


def test_it_ignores_unknown_and_malformed_ids():
    assert reading.read("not-a-uuid") == "skipped"
    assert reading.read("00000000-0000-0000-0000-000000000000") == "skipped"
    assert reading.make_audio("nope") == "skipped"


def test_it_survives_a_failing_signal_receiver(owner):
    def broken(**kwargs):
        raise RuntimeError("grading is down")

    prediction_finished.connect(broken)
    try:
        prediction = PredictionFactory(owner=owner)
        assert reading.read(prediction.pk) == "done"
    finally:
        prediction_finished.disconnect(broken)
    assert Prediction.objects.get(pk=prediction.pk).status == "done"


def test_it_speaks_in_the_owners_language(owner, django_capture_on_commit_callbacks):
    owner.profile.language = "fr"
    owner.profile.save()
    prediction = PredictionFactory(owner=owner)
    with django_capture_on_commit_callbacks(execute=True):
        read_prediction.delay(str(prediction.pk))  # the task queues the readout
    prediction.refresh_from_db()
    assert prediction.audio_language == "fr"
    assert reading.readout_for(prediction, "fr").startswith("Le nombre est")
