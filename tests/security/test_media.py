"""Uploaded files are never public, and every file-serving view answers nosniff, never HTML."""

import pytest
from django.core.files.base import ContentFile
from django.http import FileResponse
from django.urls import Resolver404, resolve

from tests.security.conftest import client_for
from tests.security.routes import EXPECTED, url_for

# Routes that answer with a file (or a download). Their content type is checked per route.
FILE_ROUTES = {
    "predictor:image": "image/png",
    "predictor:audio": "audio/mpeg",
    "predictor-api:api-prediction-image": "image/png",
    "predictor-api:api-prediction-audio": "audio/mpeg",
    "grading:submission_image": "image/png",
    "grading:audio_export_download": "application/zip",
    "grading:grades_csv": "text/csv; charset=utf-8",
    "grading_api:grades_csv": "text/csv; charset=utf-8",
    "grading:model_report_image": "image/png",
    "worksheets:template_image": "image/png",
    "worksheets:submission_crop": "image/png",
    "worksheets_api:sheet_pdf": "application/pdf",
}
# Pages and API documents, answered as HTML or JSON on purpose.
DOCUMENT_TYPES = ("text/html", "application/json", "application/vnd.oai.openapi")


def _stored_files(world) -> list[str]:
    prediction = world["prediction"]
    crop = world["area_submission"].page_reading["answers"][0]["crop"]
    return [
        prediction.image.name,
        prediction.audio.name,
        world["export"].file.name,
        world["worksheet"].template.name,
        crop,
    ]


def test_it_serves_no_upload_from_a_media_url(world, settings):
    client = client_for(world, "owner")
    for name in _stored_files(world):
        assert (settings.MEDIA_ROOT / name).is_file()
        url = f"{settings.MEDIA_URL}{name}"
        with pytest.raises(Resolver404):
            resolve(url)
        assert client.get(url).status_code == 404, url


def test_it_keeps_media_out_of_the_static_folders(settings):
    media = settings.MEDIA_ROOT.resolve()
    static = [settings.STATIC_ROOT, *(d[1] if isinstance(d, tuple) else d for d in settings.STATICFILES_DIRS)]
    for folder in static:
        folder = type(media)(folder).resolve()
        assert not media.is_relative_to(folder) and not folder.is_relative_to(media), folder


def _get_as_owner(world, name):
    return client_for(world, "owner").get(url_for(name, world))


def test_it_knows_every_route_that_serves_a_file(world):
    """Any GET that answers something other than a page or a JSON document must be listed."""
    unlisted = {}
    for name, (_kind, methods) in EXPECTED.items():
        if "GET" not in methods or name in FILE_ROUTES:
            continue
        response = _get_as_owner(world, name)
        kind = response.get("Content-Type", "")
        if isinstance(response, FileResponse) or not kind.startswith(DOCUMENT_TYPES):
            unlisted[name] = kind
    assert not unlisted, "file-serving route(s) missing from FILE_ROUTES"


@pytest.mark.parametrize("name", list(FILE_ROUTES))
def test_it_serves_files_with_nosniff_and_their_own_type(name, world, settings):
    # The view itself must say nosniff: not only the middleware's site-wide default.
    settings.SECURE_CONTENT_TYPE_NOSNIFF = False
    response = _get_as_owner(world, name)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == FILE_ROUTES[name]


def test_it_never_serves_html_stored_as_an_image_as_html(world):
    prediction = world["prediction"]
    prediction.image.save("evil.png", ContentFile(b"<html><script>alert(1)</script></html>"))
    response = _get_as_owner(world, "predictor:image")
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith(("inline", "attachment"))
