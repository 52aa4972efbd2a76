"""gTTS unreachable or rate-limited: the readout falls back to espeak-ng WAV, the reading is kept."""

import pytest
import requests
import responses

from predictor import audio
from predictor.models import Prediction
from predictor.tasks import make_prediction_audio
from tests.predictor.factories import PredictionFactory
from tests.predictor.test_audio import GTTS_URL, gtts_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def online(settings, monkeypatch):
    settings.DIGITSIGHT_TTS = "auto"
    monkeypatch.setattr(audio, "GTTS_BACKOFF", (0.01, 0.01, 0.01))


def speak(owner) -> Prediction:
    prediction = PredictionFactory(owner=owner, done=True)
    make_prediction_audio.delay(str(prediction.pk))  # eager: the task itself, in-process
    return Prediction.objects.get(pk=prediction.pk)


def assert_fallback(prediction: Prediction) -> None:
    assert prediction.status == "done" and prediction.number == "427"
    assert prediction.audio_engine == "espeak-ng" and prediction.audio.name.endswith(".wav")
    assert prediction.audio.read(4) == b"RIFF"


@responses.activate
def test_it_falls_back_when_google_is_unreachable(online, owner):
    responses.add(responses.POST, GTTS_URL, body=requests.ConnectionError("no route to host"))
    assert_fallback(speak(owner))


@responses.activate
def test_it_falls_back_after_retrying_429s(online, owner):
    responses.add(responses.POST, GTTS_URL, status=429, body="Too Many Requests")
    assert_fallback(speak(owner))
    assert len(responses.calls) == len(audio.GTTS_BACKOFF) + 1


@responses.activate
def test_it_uses_gtts_when_a_429_clears(online, owner):
    responses.add(responses.POST, GTTS_URL, status=429, body="Too Many Requests")
    responses.add(responses.POST, GTTS_URL, body=gtts_body())
    prediction = speak(owner)
    assert prediction.audio_engine == "gtts" and prediction.audio.name.endswith(".mp3")
