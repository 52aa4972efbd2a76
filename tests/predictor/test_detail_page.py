"""/predictions/<id>/: boxes, colours, audio, correction, re-run, delete; strangers get 404."""

import pytest
from django.urls import reverse

from predictor.models import Prediction
from tests.predictor.conftest import media_files
from tests.predictor.factories import PredictionFactory, with_audio

pytestmark = pytest.mark.django_db


@pytest.fixture
def prediction(owner):
    return with_audio(PredictionFactory(owner=owner, done=True))


def test_it_shows_boxes_colours_and_audio(owner_client, prediction):
    html = owner_client.get(reverse("predictor:detail", args=[prediction.pk])).content.decode()
    assert reverse("predictor:image", args=[prediction.pk]) in html
    assert 'viewBox="0 0 360 160"' in html and '<rect x="20.0" y="30.0" width="300.0"' in html
    assert 'digit-chip conf-high" title="99% sure">4' in html
    # 85% is below the review threshold (90%): the reader flags it, so it is amber, not green.
    assert 'digit-chip conf-mid" title="85% sure">2' in html
    assert 'digit-chip conf-mid" title="62% sure">7' in html
    audio_url = reverse("predictor:audio", args=[prediction.pk])
    assert f'<audio controls preload="none" src="{audio_url}"' in html and f"{audio_url}?download=1" in html


def test_it_polls_while_reading(owner_client, owner):
    pending = PredictionFactory(owner=owner)
    html = owner_client.get(reverse("predictor:detail", args=[pending.pk])).content.decode()
    status = f'data-live-status="{reverse("predictor:live_detail", args=[pending.pk])}"'
    assert status in html and 'data-live-active="true"' in html and "js/live.js" in html
    assert '<section id="result-panel" aria-live="polite" data-live-part>' in html


def test_it_shows_why_a_reading_failed(owner_client, owner):
    failed = PredictionFactory(owner=owner, status="failed", error="The photo is blank.")
    assert (
        "The photo is blank."
        in owner_client.get(reverse("predictor:detail", args=[failed.pk])).content.decode()
    )


def test_it_serves_files_only_to_the_owner(owner_client, stranger_client, prediction):
    image = owner_client.get(reverse("predictor:image", args=[prediction.pk]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image["X-Content-Type-Options"] == "nosniff" and image["Content-Disposition"].startswith("inline")
    audio = owner_client.get(reverse("predictor:audio", args=[prediction.pk]) + "?download=1")
    assert audio["Content-Type"] == "audio/mpeg"
    assert audio["Content-Disposition"] == 'attachment; filename="worksheet-readout.mp3"'


@pytest.mark.parametrize("name", ["detail", "image", "audio", "delete"])
def test_it_404s_strangers_on_every_page(stranger_client, prediction, name):
    assert stranger_client.get(reverse(f"predictor:{name}", args=[prediction.pk])).status_code == 404


@pytest.mark.parametrize("name", ["correct", "rerun", "delete"])
def test_it_404s_strangers_on_every_form(stranger_client, prediction, name):
    response = stranger_client.post(
        reverse(f"predictor:{name}", args=[prediction.pk]), {"corrected_number": "1"}
    )
    assert response.status_code == 404
    prediction.refresh_from_db()
    assert prediction.status == "done" and prediction.corrected_number == ""


def test_it_404s_malformed_ids(owner_client):
    assert owner_client.get("/predictions/123/").status_code == 404


def test_it_saves_a_correction_and_resets_it(owner_client, prediction, django_capture_on_commit_callbacks):
    url = reverse("predictor:correct", args=[prediction.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.post(url, {"corrected_number": "428"}).status_code == 302
    prediction.refresh_from_db()
    assert (prediction.number, prediction.shown_number) == ("427", "428")
    assert prediction.audio.name.endswith(".wav")  # the readout now says 4 2 8
    owner_client.post(url, {"reset": "1"})
    prediction.refresh_from_db()
    assert prediction.corrected_number == "" and prediction.shown_number == "427"


def test_it_rejects_a_bad_correction(owner_client, prediction):
    response = owner_client.post(
        reverse("predictor:correct", args=[prediction.pk]), {"corrected_number": "4x"}
    )
    assert response.status_code == 400 and "numbers and spaces" in response.content.decode()


def test_it_reruns_a_reading(owner_client, prediction, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(reverse("predictor:rerun", args=[prediction.pk]))
    prediction.refresh_from_db()
    assert prediction.status == "done" and prediction.attempts == 1 and prediction.audio


def test_it_confirms_then_deletes(owner_client, prediction, settings, django_capture_on_commit_callbacks):
    url = reverse("predictor:delete", args=[prediction.pk])
    assert "cannot be undone" in owner_client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.post(url).url == reverse("predictor:history")
    assert not Prediction.objects.exists() and media_files(settings) == []
