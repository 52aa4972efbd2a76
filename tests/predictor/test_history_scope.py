"""Personal history lists a teacher's own uploads; class-upload pages live under their assignment."""

import pytest
from django.urls import reverse

from tests.grading.factories import AssignmentFactory, SubmissionFactory
from tests.predictor.factories import PredictionFactory

pytestmark = pytest.mark.django_db


def test_it_leaves_class_pages_out_of_history(owner_client, owner):
    PredictionFactory(owner=owner, done=True, original_name="my-photo.png")
    assignment = AssignmentFactory(owner=owner)
    for page in (1, 2):  # one two-page PDF of a class upload
        SubmissionFactory(
            assignment=assignment,
            prediction__owner=owner,
            prediction__original_name="class.pdf",
            prediction__page=page,
        )
    html = owner_client.get(reverse("predictor:history")).content.decode()
    assert "my-photo.png" in html
    assert "class.pdf" not in html
    assert html.count("<tr data-status") == 1
    detail = owner_client.get(reverse("grading:assignment_detail", args=[assignment.pk])).content.decode()
    assert detail.count("submissions/") >= 2


def test_it_still_opens_a_class_page_by_its_link(owner_client, owner):
    submission = SubmissionFactory(assignment=AssignmentFactory(owner=owner), prediction__owner=owner)
    response = owner_client.get(reverse("predictor:detail", args=[submission.prediction.pk]))
    assert response.status_code == 200


def test_it_filters_own_uploads_only(owner_client, owner):
    PredictionFactory(owner=owner, done=True, number="427", original_name="mine.png")
    SubmissionFactory(
        assignment=AssignmentFactory(owner=owner), prediction__owner=owner, prediction__number="427"
    )
    html = owner_client.get(reverse("predictor:history"), {"q": "427"}).content.decode()
    assert html.count("<tr data-status") == 1 and "mine.png" in html
