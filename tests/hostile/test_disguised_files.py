"""HTML and SVG dressed up as images are refused; what is served back is never sniffable as HTML."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from predictor import services
from predictor.models import Prediction
from tests.hostile.conftest import stored_files
from tests.predictor import images
from tests.predictor.factories import PredictionFactory, with_audio

pytestmark = pytest.mark.django_db
SCRIPT = b"<script>fetch('/api/predictions/').then(r=>r.text()).then(alert)</script>"
DISGUISES = {
    "html named png": ("photo.png", b"<!DOCTYPE html><html><body>" + SCRIPT + b"</body></html>"),
    "svg with script": ("digits.svg", b'<svg xmlns="http://www.w3.org/2000/svg">' + SCRIPT + b"</svg>"),
    "svg named jpg": ("digits.jpg", b'<?xml version="1.0"?><svg onload="alert(1)"/>'),
    "pdf header then html": ("scan.pdf", b"%PDF-1.4\n" + SCRIPT),
    "gif with html after": ("a.png", b"GIF89a" + SCRIPT),
}


def png_with_html_chunk() -> bytes:
    """A valid PNG carrying an HTML payload in a text chunk (a polyglot)."""
    png = images.number_png()
    body = b"Comment\0" + b"<html>" + SCRIPT
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body + struct.pack(">I", zlib.crc32(b"tEXt" + body))
    return png[:33] + chunk + png[33:]


@pytest.mark.parametrize("case", sorted(DISGUISES))
def test_it_rejects_disguised_files_with_400(case, api, owner_client, settings):
    name, data = DISGUISES[case]
    response = api.post("/api/predictions/", {"image": SimpleUploadedFile(name, data, "image/png")})
    assert response.status_code == 400 and response.json()["image"]
    response = owner_client.post("/predictions/new/", {"images": SimpleUploadedFile(name, data, "image/png")})
    assert response.status_code == 400
    assert not Prediction.objects.exists() and not stored_files(settings)


def test_it_stores_a_polyglot_re_encoded_without_its_payload(owner, owner_client):
    [prediction] = services.create_predictions(owner, SimpleUploadedFile("p.png", png_with_html_chunk()))
    response = owner_client.get(f"/predictions/{prediction.pk}/image/")
    body = b"".join(response.streaming_content)
    assert b"<script>" not in body and b"<html>" not in body
    assert Image.open(io.BytesIO(body)).format == "PNG"


@pytest.mark.parametrize("url", ["/predictions/{pk}/image/", "/api/predictions/{pk}/image/",
                                 "/predictions/{pk}/audio/", "/api/predictions/{pk}/audio/"])  # fmt: skip
@pytest.mark.parametrize("download", ["", "?download=1"])
def test_it_serves_files_with_nosniff_and_never_as_html(url, download, owner, owner_client):
    prediction = with_audio(PredictionFactory(owner=owner, done=True), data=b"<html>" + SCRIPT, ext="mp3")
    response = owner_client.get(url.format(pk=prediction.pk) + download)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"].split(";")[0] in ("image/png", "audio/mpeg", "audio/wav")
