"""Hostile file names: stored under a UUID inside MEDIA_ROOT; the original name kept, cleaned."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from predictor import services
from predictor.models import Prediction
from tests.hostile.conftest import stored_files
from tests.predictor import images

pytestmark = pytest.mark.django_db
STORED = re.compile(r"^images/\d+/[0-9a-f]{32}\.png$")
NAMES = {
    "traversal": "../../etc/passwd.png",
    "windows traversal": "..\\..\\windows\\win.ini.png",
    "absolute": "/etc/cron.d/evil.png",
    "10,000 characters": "a" * 10_000 + ".png",
    "NUL byte": "photo\x00.php.png",
    "control characters": "line\r\nSet-Cookie: x=1\t.png",
    "unicode": "ÉCOLE-№7-数字-🙂.png",
    "quotes": 'say "cheese";.png',
}


def assert_safe(prediction: Prediction, settings) -> None:
    assert STORED.match(prediction.image.name), prediction.image.name
    path = prediction.image.path
    assert path.startswith(str(settings.MEDIA_ROOT) + "/") and "/../" not in path
    name = prediction.original_name
    assert len(name) <= 255 and name.isprintable() and "/" not in name and "\\" not in name


@pytest.mark.parametrize("case", sorted(NAMES))
def test_it_stores_uploads_under_a_uuid_name_via_the_api(case, api, settings):
    response = api.post("/api/predictions/", {"image": SimpleUploadedFile(NAMES[case], images.number_png())})
    assert response.status_code == 202, response.content
    prediction = Prediction.objects.get(pk=response.json()["id"])
    assert_safe(prediction, settings)
    assert [p.relative_to(settings.MEDIA_ROOT).as_posix() for p in stored_files(settings)] == [
        prediction.image.name
    ]


@pytest.mark.parametrize("case", sorted(NAMES))
def test_it_cleans_names_handed_straight_to_the_service(case, owner, settings):
    # Other apps (grading) call the service with names that never went through Django's parser.
    [prediction] = services.create_predictions(owner, SimpleUploadedFile(NAMES[case], images.number_png()))
    prediction.refresh_from_db()
    assert_safe(prediction, settings)
    assert prediction.original_name.endswith(".png")


@pytest.mark.parametrize("case", sorted(NAMES))
def test_it_serves_downloads_with_a_harmless_file_name(case, owner, owner_client):
    [prediction] = services.create_predictions(owner, SimpleUploadedFile(NAMES[case], images.number_png()))
    response = owner_client.get(f"/predictions/{prediction.pk}/image/?download=1")
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert "\n" not in disposition and "\r" not in disposition and "/" not in disposition.split("filename")[1]
