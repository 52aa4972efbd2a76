"""Readouts: gTTS (Google mocked with `responses`), espeak-ng for real when Google fails."""

import base64
import io
import json
import wave

import pytest
import requests
import responses

from predictor import audio, reading
from predictor.tasks import read_prediction
from tests.predictor.factories import PredictionFactory

GTTS_URL = "https://translate.google.com/_/TranslateWebserverUi/data/batchexecute"
FAKE_MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb" * 64


def gtts_body(mp3: bytes = FAKE_MP3) -> str:
    payload = json.dumps([base64.b64encode(mp3).decode()])
    frame = [["wrb.fr", "jQ1olc", payload, None, None, None, "generic"]]
    return ")]}'\n\n" + json.dumps(frame, separators=(",", ":"))


@pytest.fixture
def online(settings, monkeypatch):
    settings.DIGITSIGHT_TTS = "auto"
    monkeypatch.setattr(audio, "GTTS_BACKOFF", (0.01, 0.02, 0.04))


def wav_seconds(data: bytes) -> float:
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    with wave.open(io.BytesIO(data)) as w:
        return w.getnframes() / w.getframerate()


@pytest.mark.parametrize(
    ("lines", "text"),
    [
        ([["427"]], "The number is 4 2 7, four hundred and twenty-seven."),
        ([["007"]], "The number is 0 0 7."),
        ([["427"], ["13"]], "Line 1: 4 2 7. Line 2: 1 3."),
        ([["12", "5"]], "The numbers are 1 2, 5."),
        ([], "No number was found."),
    ],
)
def test_it_writes_text_a_listener_can_follow(lines, text):
    assert audio.readout_text(lines, "en") == text


@pytest.mark.parametrize(
    ("number", "text"),
    [
        ("-12", "The number is minus 1 2, minus twelve."),
        ("3.5", "The number is 3 point 5, three point five."),
        ("0.25", "The number is 0 point 2 5, zero point two five."),
        ("-0.5", "The number is minus 0 point 5, minus zero point five."),
        ("3/4", "The number is 3 over 4, three quarters."),
        ("1/2", "The number is 1 over 2, one half."),
    ],
)
def test_it_says_signs_decimals_and_fractions(number, text):
    assert audio.readout_text([[number]], "en") == text


def test_it_says_signs_in_other_languages():
    assert audio.readout_text([["-12"]], "fr") == "Le nombre est moins 1 2, moins douze."
    assert audio.readout_text([["3.5"], ["3/4"]], "de") == "Zeile 1: 3 Komma 5. Zeile 2: 3 durch 4."


def test_it_speaks_other_languages():
    assert audio.readout_text([["21"]], "es") == "El número es 2 1, veintiuno."
    assert audio.readout_text([["1"], ["2"]], "de") == "Zeile 1: 1. Zeile 2: 2."


@responses.activate
def test_it_uses_gtts_and_caches_by_text_and_language(online):
    responses.post(GTTS_URL, body=gtts_body())
    assert audio.make_readout("The number is 4.", "en") == (FAKE_MP3, "audio/mpeg", "gtts")
    assert audio.make_readout("The number is 4.", "en")[0] == FAKE_MP3
    assert len(responses.calls) == 1
    audio.make_readout("The number is 4.", "fr")
    assert len(responses.calls) == 2


@responses.activate
def test_it_retries_a_rate_limit(online):
    responses.post(GTTS_URL, status=429)
    responses.post(GTTS_URL, body=gtts_body())
    assert audio.make_readout("Line 1: 1.", "en")[2] == "gtts"
    assert len(responses.calls) == 2


@responses.activate
@pytest.mark.parametrize("failure", ["500", "connection", "429 forever"])
def test_it_falls_back_to_playable_offline_audio(online, failure):
    if failure == "connection":
        responses.post(GTTS_URL, body=requests.ConnectionError("no route to Google"))
    else:
        responses.post(GTTS_URL, status=500 if failure == "500" else 429)
    data, content_type, engine = audio.make_readout("The number is 4 2 7.", "en")
    assert (content_type, engine) == ("audio/wav", "espeak-ng")
    assert wav_seconds(data) > 0.5


def test_it_speaks_offline_without_calling_google(settings):
    settings.DIGITSIGHT_TTS = "offline"
    with responses.RequestsMock() as mocked:  # any request would fail the test
        data, content_type, _ = audio.make_readout("Le nombre est 4.", "fr")
    assert content_type == "audio/wav" and wav_seconds(data) > 0 and not mocked.calls


@pytest.mark.django_db
@responses.activate
def test_it_stores_the_gtts_mp3_on_the_prediction(online, owner, django_capture_on_commit_callbacks):
    responses.post(GTTS_URL, body=gtts_body())
    prediction = PredictionFactory(owner=owner)
    with django_capture_on_commit_callbacks(execute=True):
        read_prediction.delay(str(prediction.pk))  # the task queues the readout
    prediction.refresh_from_db()
    assert (prediction.audio_engine, prediction.audio_language) == ("gtts", "en")
    assert prediction.audio.name.endswith(".mp3") and prediction.audio.read() == FAKE_MP3


@pytest.mark.django_db
@responses.activate
def test_it_stores_offline_audio_when_google_fails(online, owner, django_capture_on_commit_callbacks):
    responses.post(GTTS_URL, status=500)
    prediction = PredictionFactory(owner=owner)
    with django_capture_on_commit_callbacks(execute=True):
        read_prediction.delay(str(prediction.pk))  # the task queues the readout
    prediction.refresh_from_db()
    assert prediction.status == "done" and prediction.audio_engine == "espeak-ng"
    assert wav_seconds(prediction.audio.read()) > 0


@pytest.mark.django_db
def test_it_keeps_the_reading_when_no_engine_works(owner, settings, monkeypatch):
    settings.DIGITSIGHT_TTS = "offline"
    monkeypatch.setenv("PATH", "/nonexistent")  # no espeak-ng to be found
    prediction = PredictionFactory(owner=owner)
    assert reading.read(prediction.pk) == "done"
    with pytest.raises(audio.ReadoutFailed):
        reading.make_audio(prediction.pk)
    prediction.refresh_from_db()
    assert prediction.status == "done" and not prediction.audio
