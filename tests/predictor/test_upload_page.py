"""/predictions/new/: several files, per-file errors, nothing stored for rejected files, CSRF."""

import pytest
from django.urls import reverse

from predictor.models import Batch, Prediction
from tests.predictor import images
from tests.predictor.conftest import media_files, upload_file
from tests.predictor.factories import PredictionFactory

pytestmark = pytest.mark.django_db
URL = reverse("predictor:upload")


def test_it_shows_a_form_for_files_and_the_camera(owner_client):
    html = owner_client.get(URL).content.decode()
    assert 'accept="image/*,application/pdf"' in html and "multiple" in html
    assert 'capture="environment"' in html and 'enctype="multipart/form-data"' in html


def test_it_stores_one_upload_and_opens_it(owner_client, owner, png_427):
    response = owner_client.post(URL, {"images": [upload_file("My sheet.png", png_427)]})
    prediction = Prediction.objects.get()
    assert response.status_code == 302 and response.url == reverse("predictor:detail", args=[prediction.pk])
    assert prediction.owner == owner and prediction.original_name == "My sheet.png"
    assert prediction.image.name.startswith(f"images/{owner.pk}/") and "sheet" not in prediction.image.name


def test_it_keeps_good_files_and_explains_bad_ones(owner_client, png_427, settings):
    files = [upload_file("good.png", png_427), upload_file("empty.png", b""), upload_file("b.jpg", b"xx")]
    response = owner_client.post(URL, {"images": files})
    assert response.status_code == 400
    html = response.content.decode()
    assert "empty.png" in html and "empty (0 bytes)" in html and "b.jpg" in html
    assert list(Prediction.objects.values_list("original_name", flat=True)) == ["good.png"]
    assert len(media_files(settings)) == 1


@pytest.mark.parametrize("case", sorted(images.BAD_INPUTS))
def test_it_stores_nothing_for_a_bad_file(owner_client, settings, case):
    name, data, message = images.bad_input(case)
    response = owner_client.post(URL, {"images": [upload_file(name, data)]})
    assert response.status_code == 400 and message.lower() in response.content.decode().lower()
    assert not Prediction.objects.exists() and not Batch.objects.exists() and media_files(settings) == []


def test_it_groups_several_files_into_a_batch(owner_client, png_427):
    response = owner_client.post(
        URL, {"images": [upload_file("a.png", png_427), upload_file("b.pdf", images.pdf(2))]}
    )
    assert response.status_code == 302 and response.url == reverse("predictor:history")
    batch = Batch.objects.get()
    assert batch.predictions.count() == 3


def test_it_accepts_a_camera_photo(owner_client, png_427):
    owner_client.post(URL, {"camera": upload_file("image.jpg", images.reencode(png_427, "JPEG"))})
    assert Prediction.objects.count() == 1


def test_it_asks_for_a_file(owner_client):
    response = owner_client.post(URL, {})
    assert response.status_code == 400 and "Choose at least one" in response.content.decode()


def test_it_requires_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "login" in response.url


def test_it_enforces_csrf(csrf_client, owner, png_427):
    csrf_client.force_login(owner)
    response = csrf_client.post(URL, {"images": [upload_file("a.png", png_427)]})
    assert response.status_code == 403 and not Prediction.objects.exists()


def test_it_enforces_csrf_on_every_prediction_form(csrf_client, owner):
    prediction = PredictionFactory(owner=owner, done=True)
    csrf_client.force_login(owner)
    for name, data in [("correct", {"corrected_number": "1"}), ("rerun", {}), ("delete", {})]:
        response = csrf_client.post(reverse(f"predictor:{name}", args=[prediction.pk]), data)
        assert response.status_code == 403, name
    prediction.refresh_from_db()
    assert prediction.corrected_number == "" and prediction.status == "done"
