"""/predictions/<id>/live/ and /predictions/live/: what the pages poll while readings are in flight."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from predictor.models import Prediction
from tests.predictor.factories import PredictionFactory, with_audio

pytestmark = pytest.mark.django_db


def live(client, prediction):
    return client.get(reverse("predictor:live_detail", args=[prediction.pk]))


def test_it_works(owner_client, owner):
    prediction = with_audio(PredictionFactory(owner=owner, done=True))
    response = live(owner_client, prediction)
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["status"] == "done" and body["shown_number"] == "427" and body["confidence"] == 0.62
    assert body["audio_url"] == reverse("predictor:audio", args=[prediction.pk])
    assert body["in_flight"] is False and body["key"]


def test_it_says_in_flight_until_the_readout_exists(owner_client, owner):
    pending = PredictionFactory(owner=owner)
    assert live(owner_client, pending).json()["in_flight"] is True
    done = PredictionFactory(owner=owner, done=True, finished_at=timezone.now())
    assert live(owner_client, done).json()["in_flight"] is True, "the readout is still coming"
    with_audio(done)
    assert live(owner_client, done).json()["in_flight"] is False


def test_it_stops_waiting_for_a_readout_that_never_came(owner_client, owner):
    stale = PredictionFactory(owner=owner, done=True)
    Prediction.objects.filter(pk=stale.pk).update(finished_at=timezone.now() - datetime.timedelta(hours=1))
    assert live(owner_client, stale).json()["in_flight"] is False


def test_its_key_changes_when_the_reading_finishes(owner_client, owner):
    prediction = PredictionFactory(owner=owner)
    before = live(owner_client, prediction).json()["key"]
    assert live(owner_client, prediction).json()["key"] == before
    Prediction.objects.filter(pk=prediction.pk).update(status="done", number="9", finished_at=timezone.now())
    after = live(owner_client, prediction).json()
    assert after["key"] != before and after["number"] == "9"


def test_it_matches_the_key_the_page_was_rendered_with(owner_client, owner):
    prediction = PredictionFactory(owner=owner)
    html = owner_client.get(reverse("predictor:detail", args=[prediction.pk])).content.decode()
    assert f'data-live-key="{live(owner_client, prediction).json()["key"]}"' in html


@pytest.mark.parametrize("audio", [False, True])
def test_it_uses_a_constant_number_of_queries(owner_client, owner, django_assert_num_queries, audio):
    prediction = PredictionFactory(owner=owner, done=True)
    if audio:
        with_audio(prediction)
    owner_client.get(reverse("predictor:live_history"))  # the session's user is cached from here on
    # The session, the user, the prediction: however big the result is.
    with django_assert_num_queries(3):
        assert live(owner_client, prediction).status_code == 200


def test_it_checks_owner(stranger_client, owner):
    assert live(stranger_client, PredictionFactory(owner=owner)).status_code == 404


def test_it_handles_bad_uuid(owner_client):
    assert owner_client.get(reverse("predictor:live_detail", args=["nope"])).status_code == 404


def test_it_rejects_post(owner_client, owner):
    assert (
        owner_client.post(
            reverse("predictor:live_detail", args=[PredictionFactory(owner=owner).pk])
        ).status_code
        == 405
    )


def test_it_requires_login(client, owner):
    response = live(client, PredictionFactory(owner=owner))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_history_state_follows_every_reading(owner_client, owner, stranger):
    url = reverse("predictor:live_history")
    assert owner_client.get(url).json() == {"key": "0|0|-|-", "in_flight": False}
    prediction = PredictionFactory(owner=owner)
    first = owner_client.get(url).json()
    assert first["in_flight"] is True
    PredictionFactory(owner=stranger)  # someone else's reading changes nothing here
    assert owner_client.get(url).json() == first
    Prediction.objects.filter(pk=prediction.pk).update(status="done", finished_at=timezone.now())
    second = owner_client.get(url).json()
    assert second["in_flight"] is False and second["key"] != first["key"]


def test_history_state_uses_one_query(owner_client, owner, django_assert_num_queries):
    for _ in range(5):
        PredictionFactory(owner=owner, done=True)
    owner_client.get(reverse("predictor:live_history"))
    with django_assert_num_queries(3):
        owner_client.get(reverse("predictor:live_history"))
