"""A worksheet goes through the real pipeline: upload -> Redis -> Celery worker -> reader -> grade."""

import io

import numpy as np
import pytest
from rest_framework.test import APIClient

from grading.models import Submission
from ml.litert import default_model_path
from tests.factories import PASSWORD
from tests.grading.factories import AssignmentFactory
from tests.live_worker import wait_for


def worksheet(rng) -> tuple[bytes, list[str]]:
    """A photo of MNIST *test* digits written one number per line, and its labels."""
    from ml import synth

    numbers = [synth.pick_digits(rng, count) for count in (2, 1, 3)]
    image = synth.render_worksheet([digits for digits, _ in numbers], rng, synth.Style(), height=48)
    return synth.encode(image, quality=None), [label for _, label in numbers]


@pytest.mark.worker
@pytest.mark.slow
def test_it_grades_an_uploaded_worksheet_with_a_real_worker(live_worker, owner):
    png, labels = worksheet(np.random.default_rng(7))
    assignment = AssignmentFactory(owner=owner, answer_key=labels)
    client = APIClient()
    client.login(username=owner.username, password=PASSWORD)
    upload = io.BytesIO(png)
    upload.name = "ana_lopez.png"

    response = client.post(
        f"/api/assignments/{assignment.pk}/submissions/", {"image": upload}, format="multipart"
    )
    assert response.status_code == 202
    assert response.json()["status"] == "pending"

    def finished():
        submission = Submission.objects.select_related("prediction").get(pk=response.json()["id"])
        return submission if submission.status in ("graded", "failed") else None

    submission = wait_for(finished, timeout=120)
    assert submission.student == "Ana Lopez"
    if not default_model_path().exists():
        # No trained model shipped yet: the reading fails, and the grade says why.
        assert submission.status == "failed", live_worker.log()
        assert submission.needs_review and submission.review_reasons[0].startswith(
            "The page could not be read"
        )
        return
    assert submission.status == "graded", live_worker.log()
    assert [a["expected"] for a in submission.answers] == labels
    assert [a["predicted"] for a in submission.answers] == labels
    assert submission.score == len(labels)
