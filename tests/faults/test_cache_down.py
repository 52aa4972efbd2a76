"""Redis as a cache unreachable: logins, tokens and class uploads still work (throttles fail open)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from grading.models import Submission
from tests.factories import PASSWORD, token_client
from tests.grading.factories import AssignmentFactory
from tests.predictor import images

# Nothing listens on the discard port: every cache call fails to connect, as when Redis is down.
UNREACHABLE = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
}


@pytest.fixture
def cache_down(settings):
    settings.CACHES = UNREACHABLE


def test_it_logs_teachers_in(cache_down, owner):
    client = Client(raise_request_exception=False)
    response = client.post(reverse("accounts:login"), {"username": owner.username, "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_it_still_refuses_a_wrong_password(cache_down, owner):
    client = Client(raise_request_exception=False)
    response = client.post(reverse("accounts:login"), {"username": owner.username, "password": "wrong"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_it_issues_api_tokens(cache_down, owner):
    client = APIClient(raise_request_exception=False)
    response = client.post(
        "/api/auth/token/", {"username": owner.username, "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["token"]


def test_it_accepts_class_uploads(cache_down, owner, django_capture_on_commit_callbacks):
    assignment = AssignmentFactory(owner=owner)
    client = token_client(owner, raise_request_exception=False)
    page = SimpleUploadedFile("ana.png", images.number_png())
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            f"/api/assignments/{assignment.pk}/submissions/", {"student": "Ana", "image": page}
        )
    assert response.status_code in (201, 202), response.content[:300]
    assert Submission.objects.filter(assignment=assignment, student="Ana").exists()


def test_it_signs_teachers_up(cache_down, db):
    client = Client(raise_request_exception=False)
    data = {
        "username": "newteacher",
        "email": "new@school.example",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    response = client.post(reverse("accounts:signup"), data)
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_it_mails_password_resets(cache_down, owner, mailoutbox):
    client = Client(raise_request_exception=False)
    response = client.post(reverse("accounts:password_reset"), {"email": owner.email})
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [[owner.email]]
