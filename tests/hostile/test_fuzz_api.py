"""Mutated files through the HTTP API: 202 for what still decodes, 400 otherwise, never a 500."""

import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from rest_framework.test import APIClient

from predictor.models import Prediction
from tests.hostile.corpus import mutated_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(api):
    # Errors must come back as responses, not as exceptions re-raised by the test client.
    api.raise_request_exception = False
    return api


def test_it_never_answers_a_mutated_upload_with_a_500(client: APIClient):
    statuses = []

    @settings(max_examples=25, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
    @given(mutated_files())
    def fuzz(named):
        name, data = named
        upload = SimpleUploadedFile(f"{name}-{random.random()}.bin", data)  # noqa: S311
        response = client.post("/api/predictions/", {"image": upload})
        statuses.append(response.status_code)
        assert response.status_code in (202, 400), response.content[:300]
        if response.status_code == 400:
            assert response.json()["image"][0]

    fuzz()
    assert 400 in statuses
    assert Prediction.objects.count() == statuses.count(202)
