"""The worker's reading of a worksheet page, in-process: predictor.reading.read with the worksheets
page reader registered, then the receivers that store and grade it."""

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from grading.models import Submission
from predictor import reading as predictor_reading
from predictor.models import Prediction
from tests.grading.factories import SubmissionFactory
from tests.worksheets.factories import REGIONS, WorksheetFactory
from worksheets import reading
from worksheets.models import Worksheet


def no_engine():
    raise OSError("digits.tflite is missing")


@pytest.fixture
def page(db):
    worksheet = WorksheetFactory()
    return SubmissionFactory(
        assignment=worksheet.assignment,
        prediction__owner=worksheet.assignment.owner,
        prediction__status=Prediction.Status.PENDING,
        prediction__result={},
    )


def read(submission, capture) -> Submission:
    with capture(execute=True):
        predictor_reading.read(submission.prediction_id)
    submission.refresh_from_db()
    return submission


def use_worksheet(submission, seed=0):
    from ml import worksheets_synth as ws

    blank = ws.make_template(np.random.default_rng(seed), "beside", questions=3)
    worksheet = Worksheet.objects.get(pk=submission.assignment_id)
    worksheet.template.save("t.png", ContentFile(ws.encode(blank.image)))
    worksheet.width, worksheet.height = blank.image.shape[1], blank.image.shape[0]
    worksheet.regions = [dict(r, answer="1", points=1) for r in blank.regions]
    worksheet.save()
    return blank


def test_it_reads_a_worksheet_page_once_by_area_and_grades_it(page, django_capture_on_commit_callbacks):
    pytest.importorskip("ml.worksheet")
    from ml import worksheets_synth as ws
    from ml.litert import default_model_path

    if not default_model_path().exists():
        pytest.skip("no trained model shipped")
    blank = use_worksheet(page)
    filled = ws.fill(np.random.default_rng(1), blank, blank_share=0)
    page.prediction.image.save(
        "p.png", ContentFile(ws.encode(ws.scan(np.random.default_rng(1), filled.image)[0]))
    )
    graded = read(page, django_capture_on_commit_callbacks)
    prediction = Prediction.objects.get(pk=page.prediction_id)
    assert prediction.status == "done" and prediction.result["worksheet"]["aligned"]
    assert prediction.number == " ".join(filled.labels)  # the prediction's own page shows the areas
    assert graded.status == "graded"
    assert [a["predicted"] for a in graded.answers] == filled.labels
    assert default_storage.exists(graded.answers[0]["crop"])


def test_it_fails_the_page_with_its_reason_when_the_engine_is_missing(
    page, settings, django_capture_on_commit_callbacks
):
    settings.DIGITSIGHT_READER = "tests.worksheets.test_page_reading.no_engine"
    graded = read(page, django_capture_on_commit_callbacks)
    assert graded.status == Submission.Status.FAILED and graded.score is None
    assert "reading engine is not available" in graded.review_reasons[0]


def test_it_leaves_line_assignments_to_the_plain_reader(db):
    from tests.grading.factories import AssignmentFactory

    submission = SubmissionFactory(assignment=AssignmentFactory())
    assert reading.read_for_prediction(None, submission.prediction, b"") is None


def test_it_sets_aside_a_page_that_is_not_the_worksheet(page, django_capture_on_commit_callbacks):
    pytest.importorskip("ml.worksheet")
    from ml import worksheets_synth as ws

    use_worksheet(page)
    other = ws.make_template(np.random.default_rng(7), "two_columns", questions=8)
    page.prediction.image.save("p.png", ContentFile(ws.encode(other.image)))
    graded = read(page, django_capture_on_commit_callbacks)
    assert graded.status == "needs_attention" and "does not match" in graded.reason
    assert graded.score is None
    assert not default_storage.exists(f"crops/{page.assignment.owner_id}/{page.pk}/0.png")


def test_it_reads_again_by_area_a_page_read_before_the_worksheet_existed(
    page, django_capture_on_commit_callbacks
):
    Prediction.objects.filter(pk=page.prediction_id).update(status="done", result={"numbers": []})
    prediction = Prediction.objects.get(pk=page.prediction_id)
    with django_capture_on_commit_callbacks() as queued:
        predictor_reading._announce(prediction)
    page.refresh_from_db()
    assert page.status == "processing"
    assert Prediction.objects.get(pk=page.prediction_id).status == "pending"
    assert queued, "the page's reading was not queued again"


def test_it_rereads_the_pages_when_the_areas_move(page, django_capture_on_commit_callbacks):
    from worksheets import services

    Prediction.objects.filter(pk=page.prediction_id).update(status="done")
    Submission.objects.filter(pk=page.pk).update(page_reading={"aligned": True, "answers": []})
    worksheet = Worksheet.objects.get(pk=page.assignment_id)
    moved = [dict(r) for r in REGIONS]
    moved[0]["box"] = [310, 40, 80, 40]
    with django_capture_on_commit_callbacks() as queued:
        assert services.save_regions(worksheet, moved) == 1
    page.refresh_from_db()
    assert page.status == "processing" and page.page_reading == {}
    assert Prediction.objects.get(pk=page.prediction_id).status == "pending"
    assert queued
