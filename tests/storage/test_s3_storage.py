"""Media in an S3 bucket (moto's real S3-protocol server): stored, read, served and deleted there."""

import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from storages.backends.s3 import S3Storage

from grading.models import AudioExport
from predictor.models import Prediction
from tests.factories import token_client
from tests.grading.factories import AssignmentFactory, graded
from tests.predictor import images
from tests.predictor.conftest import media_files, upload_file

pytestmark = pytest.mark.django_db


def upload(client, data, name="sheet.png"):
    response = client.post("/api/predictions/", {"image": upload_file(name, data)}, format="multipart")
    assert response.status_code == 202, response.content
    return Prediction.objects.get(pk=response.json()["id"])


@pytest.fixture
def api(owner):
    return token_client(owner)


@pytest.fixture
def read_in_bucket(s3_storage, api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        prediction = upload(api, images.number_png("427"))
    prediction.refresh_from_db()
    return prediction


def test_it_uses_the_bucket_as_default_storage(s3_storage):
    default_storage.save("probe.txt", io.BytesIO(b"hello"))
    assert isinstance(default_storage._wrapped, S3Storage)
    assert s3_storage.read("probe.txt") == b"hello"


def test_it_stores_the_page_and_its_readout_in_the_bucket(read_in_bucket, s3_storage, settings):
    prediction = read_in_bucket
    assert prediction.status == "done", prediction.error
    assert s3_storage.keys() == sorted([prediction.image.name, prediction.audio.name])
    assert prediction.image.name.startswith(f"images/{prediction.owner_id}/")
    assert s3_storage.read(prediction.audio.name)[:4] == b"RIFF"
    assert media_files(settings) == []  # nothing on the local disk


def test_it_streams_bucket_files_through_django_after_the_access_check(read_in_bucket, s3_storage, api):
    image = api.get(f"/api/predictions/{read_in_bucket.pk}/image/")
    audio = api.get(f"/api/predictions/{read_in_bucket.pk}/audio/")
    assert image.status_code == audio.status_code == 200
    assert b"".join(image.streaming_content) == s3_storage.read(read_in_bucket.image.name)
    assert b"".join(audio.streaming_content) == s3_storage.read(read_in_bucket.audio.name)
    assert audio["Content-Type"] == "audio/wav"


@pytest.mark.parametrize("kind", ["image", "audio"])
def test_it_404s_strangers_on_bucket_files(read_in_bucket, stranger, kind):
    assert token_client(stranger).get(f"/api/predictions/{read_in_bucket.pk}/{kind}/").status_code == 404


def test_it_404s_when_the_object_is_gone_from_the_bucket(read_in_bucket, s3_storage, api):
    s3_storage.server.client().delete_object(Bucket=s3_storage.name, Key=f"media/{read_in_bucket.image.name}")
    assert api.get(f"/api/predictions/{read_in_bucket.pk}/image/").status_code == 404


def test_it_deletes_the_objects_with_the_prediction(
    read_in_bucket, s3_storage, api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(f"/api/predictions/{read_in_bucket.pk}/")
    assert response.status_code == 204
    assert s3_storage.keys() == []


def test_it_replaces_the_readout_object_after_a_correction(
    read_in_bucket, s3_storage, api, django_capture_on_commit_callbacks
):
    old = read_in_bucket.audio.name
    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(
            f"/api/predictions/{read_in_bucket.pk}/", {"corrected_number": "428"}, format="json"
        )
    assert response.status_code == 200
    read_in_bucket.refresh_from_db()
    assert read_in_bucket.audio.name not in ("", old)
    assert s3_storage.keys("audio/") == [read_in_bucket.audio.name]


def test_it_keeps_audio_exports_in_the_bucket_and_serves_them_to_the_owner_only(
    s3_storage, owner, owner_client, stranger_client, django_capture_on_commit_callbacks
):
    assignment = AssignmentFactory(owner=owner, answer_key=["12"])
    graded(assignment, ["12"], student="Ana")
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/assignments/{assignment.pk}/audio/")
    export = AudioExport.objects.get(assignment=assignment)
    assert export.status == "done", export.error
    assert s3_storage.keys("exports/") == [export.file.name]
    url = f"/assignments/{assignment.pk}/audio/{export.pk}/download/"
    response = owner_client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body == s3_storage.read(export.file.name)
    assert "transcript.txt" in zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert stranger_client.get(url).status_code == 404


def test_it_reads_class_pages_from_the_bucket_and_serves_them_to_collaborators_only(
    s3_storage, owner, owner_client, stranger_client, django_capture_on_commit_callbacks
):
    assignment = AssignmentFactory(owner=owner, answer_key=["427"])
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            f"/assignments/{assignment.pk}/upload/",
            {"pages": [upload_file("ana.png", images.number_png("427"))]},
        )
    assert response.status_code == 302
    submission = assignment.submissions.get()
    assert submission.prediction.status == "done" and submission.status == "graded"
    assert submission.prediction.image.name in s3_storage.keys("images/")
    url = f"/submissions/{submission.pk}/image/"
    body = b"".join(owner_client.get(url).streaming_content)
    assert body == s3_storage.read(submission.prediction.image.name)
    assert stranger_client.get(url).status_code == 404
