"""The upload message stays true once the reading is done: no "Reading them now…" beside "done"."""

import pytest
from django.urls import reverse

from predictor.models import Prediction
from tests.predictor.conftest import upload_file

pytestmark = pytest.mark.django_db


def test_it_says_what_was_uploaded_without_promising_a_state(
    owner_client, png_427, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            reverse("predictor:upload"), {"images": [upload_file("sums.png", png_427)]}
        )
    assert Prediction.objects.get().status == "done"  # read in-process (eager) before the page shows
    html = owner_client.get(response["Location"]).content.decode()
    assert ">done</span>" in html
    assert "Uploaded “sums.png”." in html
    assert "Reading" not in html and "image(s)" not in html


def test_it_counts_pages_for_several_files(owner_client, png_427):
    files = [upload_file(f"p{i}.png", png_427) for i in range(3)]
    html = owner_client.post(reverse("predictor:upload"), {"images": files}, follow=True).content.decode()
    assert "Uploaded 3 pages. Each one&#x27;s status is shown below." in html


def test_it_says_how_many_class_pages_were_uploaded_without_a_state(owner, owner_client, png_427):
    from grading.models import Submission
    from tests.grading.factories import AssignmentFactory

    assignment = AssignmentFactory(owner=owner)
    files = [upload_file("ana.png", png_427), upload_file("ben.png", png_427)]
    response = owner_client.post(
        reverse("grading:class_upload", args=[assignment.pk]), {"pages": files}, follow=True
    )
    html = response.content.decode()
    assert Submission.objects.count() == 2
    assert "Uploaded 2 pages." in html and "being read" not in html
