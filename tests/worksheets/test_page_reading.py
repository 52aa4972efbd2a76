"""worksheets.reading.read_page in-process: the worker's function, with its failure paths."""

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from grading.models import Submission
from tests.grading.factories import SubmissionFactory
from tests.worksheets.factories import REGIONS, WorksheetFactory
from worksheets import reading
from worksheets.models import Worksheet


def no_engine():
    raise OSError("digits.tflite is missing")


@pytest.fixture
def page(db):
    worksheet = WorksheetFactory()
    return SubmissionFactory(assignment=worksheet.assignment, prediction__owner=worksheet.assignment.owner)


def test_it_sets_a_page_aside_when_the_engine_is_missing(page, settings):
    settings.DIGITSIGHT_READER = "tests.worksheets.test_page_reading.no_engine"
    assert reading.read_page(page.pk) == "needs_attention"
    page.refresh_from_db()
    assert page.status == Submission.Status.NEEDS_ATTENTION
    assert "reading engine is not available" in page.reason
    assert page.score is None


def test_it_skips_a_submission_of_a_line_assignment(db):
    from tests.grading.factories import AssignmentFactory

    submission = SubmissionFactory(assignment=AssignmentFactory())
    assert reading.read_page(submission.pk) == "skipped"
    assert reading.read_page("9f7c1a4e-0000-4000-8000-000000000000") == "skipped"


def test_it_reports_a_page_that_is_not_the_worksheet(page):
    pytest.importorskip("ml.worksheet")
    from ml import worksheets_synth as ws

    blank = ws.make_template(np.random.default_rng(0), "beside", questions=3)
    worksheet = Worksheet.objects.get(pk=page.assignment_id)
    worksheet.template.save("t.png", ContentFile(ws.encode(blank.image)))
    worksheet.width, worksheet.height = blank.image.shape[1], blank.image.shape[0]
    worksheet.regions = [dict(r, answer="1", points=1) for r in blank.regions]
    worksheet.save()
    other = ws.make_template(np.random.default_rng(7), "two_columns", questions=8)
    page.prediction.image.save("p.png", ContentFile(ws.encode(other.image)))
    assert reading.read_page(page.pk) == "needs_attention"
    page.refresh_from_db()
    assert page.status == "needs_attention" and "does not match" in page.reason
    assert not default_storage.exists(f"crops/{page.assignment.owner_id}/{page.pk}/0.png")


def test_it_rereads_the_pages_when_the_areas_move(page, django_capture_on_commit_callbacks):
    from worksheets import services

    Submission.objects.filter(pk=page.pk).update(page_reading={"aligned": True, "answers": []})
    worksheet = Worksheet.objects.get(pk=page.assignment_id)
    moved = [dict(r) for r in REGIONS]
    moved[0]["box"] = [310, 40, 80, 40]
    with django_capture_on_commit_callbacks() as queued:
        assert services.save_regions(worksheet, moved) == 1
    page.refresh_from_db()
    assert page.status == "processing" and page.page_reading == {}
    assert len(queued) == 1


def test_it_queues_again_a_page_reading_whose_enqueue_was_lost(page, django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from worksheets import services

    Submission.objects.filter(pk=page.pk).update(status="processing", page_reading={})
    assert services.sweep_page_readings() == 0  # still fresh: the worker may be on it
    later = timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks() as queued:
        assert services.sweep_page_readings(now=later) == 1
    assert len(queued) == 1
