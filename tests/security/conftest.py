"""A world with one of everything: each object URL gets a real id, each role a client."""

import io
import uuid
import zipfile

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.base import ContentFile
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from grading.models import AudioExport, Collaborator
from tests.factories import UserFactory
from tests.grading.factories import AssignmentFactory, CollaboratorFactory, graded
from tests.predictor.factories import PredictionFactory, with_audio
from tests.worksheets.factories import worksheet_world

ROLES = ("anonymous", "stranger", "viewer", "grader", "owner")


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings):
    """Fresh throttle counters per test without flushing the shared Redis database."""
    caches = {name: dict(conf) for name, conf in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches


@pytest.fixture(autouse=True)
def _standin_reader(settings):
    settings.DIGITSIGHT_READER = "tests.predictor.standin_reader.get_reader"


@pytest.fixture
def world(owner, stranger, settings, tmp_path):
    assignment = AssignmentFactory(owner=owner)
    users = {"owner": owner, "stranger": stranger}
    for role in (Collaborator.Role.VIEWER, Collaborator.Role.GRADER):
        users[role] = UserFactory(username=role)
        CollaboratorFactory(assignment=assignment, user=users[role], role=role)
    helper = UserFactory(username="helper")
    _reports(settings, tmp_path)
    submission = graded(assignment, ["12", ("1", 0.4), "345"], student="Ana")
    return {
        "users": users,
        "assignment": assignment,
        "submission": submission,
        "share": CollaboratorFactory(assignment=assignment, user=helper),
        "helper": helper,
        "export": _export(assignment),
        "prediction": with_audio(PredictionFactory(owner=owner, done=True)),
        "reset": (urlsafe_base64_encode(force_bytes(owner.pk)), default_token_generator.make_token(owner)),
    } | worksheet_world(assignment)


def _reports(settings, tmp_path):
    settings.DIGITSIGHT_REPORTS_DIR = tmp_path / "reports"
    settings.DIGITSIGHT_REPORTS_DIR.mkdir()
    (settings.DIGITSIGHT_REPORTS_DIR / "confusion.png").write_bytes(b"\x89PNG fake")


def _export(assignment):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("transcript.txt", "")
    export = AudioExport.objects.create(assignment=assignment, status=AudioExport.Status.DONE)
    export.file.save("readouts.zip", ContentFile(buffer.getvalue()))
    return export


def client_for(world, role, **defaults) -> Client:
    client = Client(**defaults)
    if role != "anonymous":
        client.force_login(world["users"][role])
    return client
