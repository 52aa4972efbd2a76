"""Requests over the limits get a clean 400/413 and store nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from predictor.models import Prediction
from tests.hostile.conftest import stored_files
from tests.predictor import images

pytestmark = pytest.mark.django_db


def assert_nothing_stored(settings):
    assert not Prediction.objects.exists() and not stored_files(settings)


def padded_png(size: int) -> bytes:
    png = images.number_png()
    return png + b"\0" * (size - len(png))  # trailing bytes: still a valid PNG, just big


def test_it_rejects_a_file_over_the_upload_cap(api, owner_client, settings):
    settings.DIGITSIGHT_MAX_UPLOAD_BYTES = 200_000
    data = padded_png(200_001)
    response = api.post("/api/predictions/", {"image": SimpleUploadedFile("big.png", data)})
    assert response.status_code in (400, 413) and "too large" in response.json()["image"][0]
    response = owner_client.post("/predictions/new/", {"images": SimpleUploadedFile("big.png", data)})
    assert response.status_code in (400, 413) and "too large" in response.content.decode()
    assert_nothing_stored(settings)


def test_it_rejects_form_fields_over_the_memory_cap(api, owner_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    fields = {"note": "x" * 20_000, "image": SimpleUploadedFile("n.png", images.number_png())}
    assert api.post("/api/predictions/", fields).status_code in (400, 413)
    fields = {"note": "x" * 20_000, "images": SimpleUploadedFile("n.png", images.number_png())}
    assert owner_client.post("/predictions/new/", fields).status_code in (400, 413)
    assert_nothing_stored(settings)


def test_it_rejects_too_many_files_in_one_request(api, owner_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 5
    png = images.number_png()
    files = [SimpleUploadedFile(f"n{i}.png", png) for i in range(6)]
    assert owner_client.post("/predictions/new/", {"images": files}).status_code in (400, 413)
    files = [SimpleUploadedFile(f"n{i}.png", png) for i in range(6)]
    assert api.post("/api/predictions/", {"image": files}).status_code in (400, 413)
    assert_nothing_stored(settings)
