"""Requests whose body is too large are refused before anything reads or stores them."""

import pytest
from django.urls import reverse

from predictor.models import Prediction
from tests.factories import token_client
from tests.predictor.conftest import media_files, upload_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_limit(settings):
    settings.DIGITSIGHT_MAX_REQUEST_BYTES = 4000
    return 4000


def test_it_refuses_an_oversized_upload_page_post_with_413(owner_client, small_limit, settings):
    files = [upload_file("big.png", b"x" * 5000)]
    response = owner_client.post(reverse("predictor:upload"), {"images": files})
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    assert not Prediction.objects.exists() and not media_files(settings)


def test_it_refuses_an_oversized_api_upload_with_a_json_413(owner, small_limit):
    api = token_client(owner)
    response = api.post(
        "/api/predictions/", {"image": upload_file("big.png", b"x" * 5000)}, format="multipart"
    )
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]
    assert not Prediction.objects.exists()


def test_it_trusts_nothing_but_the_declared_length(owner_client, small_limit):
    # A client that lies about a huge body is refused before a byte of it is read.
    response = owner_client.post(reverse("predictor:upload"), {}, CONTENT_LENGTH=str(10**12))
    assert response.status_code == 413


def test_it_lets_requests_under_the_limit_through(owner_client, png_427, settings):
    settings.DIGITSIGHT_MAX_REQUEST_BYTES = 10 * len(png_427) + 4000
    response = owner_client.post(reverse("predictor:upload"), {"images": [upload_file("ok.png", png_427)]})
    assert response.status_code == 302 and Prediction.objects.count() == 1
