"""The REST API contract: shapes, status codes, ownership, bad files, throttling, schema."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from predictor.models import Prediction
from tests.factories import token_client
from tests.predictor import images
from tests.predictor.conftest import media_files, upload_file
from tests.predictor.factories import PredictionFactory, with_audio

pytestmark = pytest.mark.django_db
DETAIL_KEYS = {
    "id", "status", "number", "numbers", "confidence", "needs_review", "corrected_number",
    "audio_url", "image_url", "created_at", "finished_at", "error",
}  # fmt: skip


def api_for(user) -> APIClient:
    return token_client(user)


@pytest.fixture
def api(owner):
    return api_for(owner)


@pytest.fixture
def stranger_api(stranger):
    return api_for(stranger)


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


def post_image(client, name, data):
    return client.post("/api/predictions/", {"image": upload_file(name, data)}, format="multipart")


def test_it_accepts_an_upload_and_reads_it(api, png_427, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_image(api, "sheet.png", png_427)
    assert response.status_code == 202
    body = response.json()
    assert DETAIL_KEYS <= set(body) and [p["id"] for p in body["predictions"]] == [body["id"]]
    detail = api.get(f"/api/predictions/{body['id']}/").json()
    assert detail["status"] == "done" and detail["numbers"] and isinstance(detail["confidence"], float)
    assert detail["number"] == " ".join(detail["numbers"])
    assert detail["image_url"].endswith(f"/api/predictions/{body['id']}/image/")
    assert detail["audio_url"].endswith(f"/api/predictions/{body['id']}/audio/")


def test_it_returns_every_page_of_a_pdf(api):
    response = post_image(api, "scan.pdf", images.pdf(pages=2))
    assert response.status_code == 202
    body = response.json()
    assert [p["page"] for p in body["predictions"]] == [1, 2]
    assert body["id"] == body["predictions"][0]["id"]


@pytest.mark.parametrize("case", sorted(images.BAD_INPUTS))
def test_it_rejects_bad_files_and_stores_nothing(api, settings, case):
    name, data, message = images.bad_input(case)
    response = post_image(api, name, data)
    assert response.status_code == 400
    assert message.lower() in response.json()["image"][0].lower()
    assert Prediction.objects.count() == 0 and media_files(settings) == []


def test_it_rejects_an_oversized_file(api, settings):
    data = images.number_png() + b"\0" * (settings.DIGITSIGHT_MAX_UPLOAD_BYTES + 1)
    response = post_image(api, "huge.png", data)
    assert response.status_code == 400 and "too large" in response.json()["image"][0]
    assert Prediction.objects.count() == 0 and media_files(settings) == []


def test_it_requires_a_file(api):
    response = api.post("/api/predictions/", {}, format="multipart")
    assert response.status_code == 400 and "image" in response.json()


def test_it_refuses_anonymous_callers(png_427):
    client = APIClient()
    assert post_image(client, "a.png", png_427).status_code in (401, 403)
    assert client.get("/api/predictions/").status_code in (401, 403)


def test_it_lists_only_own_predictions_paginated(api, owner, stranger):
    PredictionFactory.create_batch(21, owner=owner)
    PredictionFactory(owner=stranger)
    body = api.get("/api/predictions/").json()
    assert body["count"] == 21 and len(body["results"]) == 20 and body["next"]
    assert all(p["id"] for p in body["results"])
    assert DETAIL_KEYS <= set(body["results"][0])


def test_it_hides_others_predictions_everywhere(stranger_api, owner):
    prediction = with_audio(PredictionFactory(owner=owner, done=True))
    base = f"/api/predictions/{prediction.pk}/"
    for url in (base, base + "audio/", base + "image/"):
        assert stranger_api.get(url).status_code == 404
    assert stranger_api.patch(base, {"corrected_number": "1"}, format="json").status_code == 404
    assert stranger_api.delete(base).status_code == 404
    assert stranger_api.get("/api/predictions/not-a-uuid/").status_code == 404
    assert Prediction.objects.get(pk=prediction.pk).corrected_number == ""


def test_it_sets_and_clears_a_correction(api, owner):
    prediction = PredictionFactory(owner=owner, done=True)
    url = f"/api/predictions/{prediction.pk}/"
    response = api.patch(url, {"corrected_number": " 428  1 "}, format="json")
    assert response.status_code == 200 and response.json()["corrected_number"] == "428 1"
    assert response.json()["number"] == "427"  # the original reading is kept
    assert api.patch(url, {"corrected_number": ""}, format="json").json()["corrected_number"] == ""


def test_it_rejects_a_correction_that_is_not_digits(api, owner):
    prediction = PredictionFactory(owner=owner, done=True)
    response = api.patch(f"/api/predictions/{prediction.pk}/", {"corrected_number": "4a7"}, format="json")
    assert response.status_code == 400 and "corrected_number" in response.json()


def test_it_ignores_read_only_fields(api, owner):
    prediction = PredictionFactory(owner=owner, done=True)
    api.patch(f"/api/predictions/{prediction.pk}/", {"number": "999", "status": "failed"}, format="json")
    prediction.refresh_from_db()
    assert (prediction.number, prediction.status) == ("427", "done")


def test_it_deletes_a_prediction_and_its_files(api, owner, settings, django_capture_on_commit_callbacks):
    prediction = with_audio(PredictionFactory(owner=owner, done=True))
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/predictions/{prediction.pk}/").status_code == 204
    assert not Prediction.objects.filter(pk=prediction.pk).exists()
    assert media_files(settings) == []


def test_it_serves_audio_and_image_with_safe_headers(api, owner):
    prediction = with_audio(PredictionFactory(owner=owner, done=True), data=b"RIFFxxxxWAVE", ext="wav")
    audio = api.get(f"/api/predictions/{prediction.pk}/audio/")
    assert audio.status_code == 200 and audio["Content-Type"] == "audio/wav"
    assert b"".join(audio.streaming_content) == b"RIFFxxxxWAVE"
    assert audio["X-Content-Type-Options"] == "nosniff"
    image = api.get(f"/api/predictions/{prediction.pk}/image/?download=1")
    assert image["Content-Type"] == "image/png" and image["Content-Disposition"].startswith("attachment")


def test_it_404s_audio_that_is_not_ready(api, owner):
    prediction = PredictionFactory(owner=owner)
    assert api.get(f"/api/predictions/{prediction.pk}/audio/").status_code == 404


def test_it_throttles_uploads(api, settings, png_427):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"uploads": "2/minute"}}
    codes = [post_image(api, "a.png", png_427).status_code for _ in range(3)]
    assert codes == [202, 202, 429]
    assert api.get("/api/predictions/").status_code == 200  # reading is not throttled


def test_it_documents_the_endpoints_in_the_schema(owner_client):
    schema = owner_client.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/predictions/"])
    assert {"get", "patch", "delete"} <= set(paths["/api/predictions/{id}/"])
    assert "audio/mpeg" in paths["/api/predictions/{id}/audio/"]["get"]["responses"]["200"]["content"]
    post = paths["/api/predictions/"]["post"]
    assert "multipart/form-data" in post["requestBody"]["content"] and "202" in post["responses"]
