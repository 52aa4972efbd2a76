"""A file over DIGITSIGHT_MAX_UPLOAD_BYTES is refused before its bytes are stored, with a clear message.

One-file API routes are judged from Content-Length alone, before a byte of the body is read;
the web forms (several files) skip an oversized file as it arrives and keep the others.
"""

import pytest
from django.urls import reverse

from digitsight.middleware import MULTIPART_SLACK
from grading.models import Submission
from predictor.models import Prediction
from tests.factories import token_client
from tests.grading.factories import AssignmentFactory
from tests.predictor.conftest import media_files, upload_file

pytestmark = pytest.mark.django_db
LIMIT = 15 * 1024 * 1024


class UnreadableBody:
    """A request body that fails the test if anything reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def _declared_too_big():
    return {"CONTENT_LENGTH": str(LIMIT + MULTIPART_SLACK + 1), "wsgi.input": UnreadableBody()}


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.DIGITSIGHT_MAX_UPLOAD_BYTES = LIMIT


def test_it_refuses_an_api_prediction_from_its_content_length(owner, settings):
    response = token_client(owner).generic(
        "POST", "/api/predictions/", content_type="multipart/form-data; boundary=x", **_declared_too_big()
    )
    assert response.status_code == 413
    assert response.json()["image"] == ["The file is too large: the limit is 15 MB. Nothing was uploaded."]
    assert not Prediction.objects.exists() and not media_files(settings)


def test_it_refuses_an_api_class_page_from_its_content_length(owner, settings):
    assignment = AssignmentFactory(owner=owner)
    response = token_client(owner).generic(
        "POST",
        f"/api/assignments/{assignment.pk}/submissions/",
        content_type="multipart/form-data; boundary=x",
        **_declared_too_big(),
    )
    assert response.status_code == 413 and "15 MB" in response.json()["detail"]
    assert not Submission.objects.exists()


def test_it_lets_a_file_just_within_the_limit_through_the_api(owner, png_427, settings):
    settings.DIGITSIGHT_MAX_UPLOAD_BYTES = len(png_427)
    response = token_client(owner).post(
        "/api/predictions/", {"image": upload_file("ok.png", png_427)}, format="multipart"
    )
    assert response.status_code in (201, 202), response.content
    assert Prediction.objects.count() == 1


def test_it_skips_an_oversized_file_in_the_web_form_and_keeps_the_others(owner_client, png_427, settings):
    settings.DIGITSIGHT_MAX_UPLOAD_BYTES = len(png_427) + 10
    files = [
        upload_file("good.png", png_427),
        upload_file("huge.png", b"\x89PNG" + b"x" * (len(png_427) + 100)),
    ]
    response = owner_client.post(reverse("predictor:upload"), {"images": files})
    html = response.content.decode()
    assert response.status_code == 400
    assert "<strong>huge.png</strong>: The file is too large: the limit is 0 MB." in html
    assert list(Prediction.objects.values_list("original_name", flat=True)) == ["good.png"]


def test_it_says_why_when_the_only_web_file_is_too_large(owner_client, settings):
    settings.DIGITSIGHT_MAX_UPLOAD_BYTES = 1000
    response = owner_client.post(
        reverse("predictor:upload"), {"images": [upload_file("big.png", b"x" * 5000)]}
    )
    assert response.status_code == 400
    assert "big.png" in response.content.decode() and "too large" in response.content.decode()
    assert "Choose at least one" not in response.content.decode()
    assert not Prediction.objects.exists() and not media_files(settings)


def test_it_skips_an_oversized_class_page_and_grades_the_others(owner, owner_client, png_427, settings):
    settings.DIGITSIGHT_MAX_UPLOAD_BYTES = len(png_427) + 10
    assignment = AssignmentFactory(owner=owner)
    files = [upload_file("ana.png", png_427), upload_file("ben.png", b"x" * (len(png_427) + 100))]
    response = owner_client.post(
        reverse("grading:class_upload", args=[assignment.pk]), {"pages": files}, follow=True
    )
    html = response.content.decode()
    assert "ben.png: The file is too large" in html
    assert list(Submission.objects.values_list("student", flat=True)) == ["Ana"]


def test_it_says_why_when_every_class_page_is_too_large(owner, owner_client, settings):
    settings.DIGITSIGHT_MAX_UPLOAD_BYTES = 1000
    assignment = AssignmentFactory(owner=owner)
    response = owner_client.post(
        reverse("grading:class_upload", args=[assignment.pk]),
        {"pages": [upload_file("ben.png", b"x" * 5000)]},
    )
    assert response.status_code == 400
    assert "ben.png: The file is too large: the limit is 0 MB." in response.content.decode()
    assert not Submission.objects.exists() and not media_files(settings)
