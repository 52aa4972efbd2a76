"""403, 404 and 500 pages in the site's layout, with its navigation; no debug pages under `make run`."""

import json

import pytest
from django.db import OperationalError
from django.urls import reverse

from grading import views as grading_views
from tests.foundation._subprocess import run
from tests.grading.factories import AssignmentFactory, CollaboratorFactory

pytestmark = pytest.mark.django_db


def _has_navigation(html: str) -> bool:
    return 'aria-label="Main"' in html and reverse("predictor:history") in html


def test_it_shows_a_stranger_a_friendly_404_with_navigation(owner, stranger_client):
    assignment = AssignmentFactory(owner=owner)
    response = stranger_client.get(reverse("grading:assignment_detail", args=[assignment.pk]))
    html = response.content.decode()
    assert response.status_code == 404
    assert "This page doesn't exist" in html and _has_navigation(html)
    assert "URLconf" not in html and "Traceback" not in html


def test_it_shows_an_unknown_address_the_same_404(owner_client):
    response = owner_client.get("/no/such/page/")
    html = response.content.decode()
    assert response.status_code == 404 and _has_navigation(html)
    assert "predictions/&lt;str:pk&gt;" not in html and "predictions/<str:pk>" not in html


def test_it_tells_a_viewer_why_with_navigation_on_a_403(owner, collaborator, collaborator_client):
    assignment = AssignmentFactory(owner=owner)
    CollaboratorFactory(assignment=assignment, user=collaborator, role="viewer")
    response = collaborator_client.get(reverse("grading:class_upload", args=[assignment.pk]))
    html = response.content.decode()
    assert response.status_code == 403
    assert "Your role on this assignment does not allow that." in html
    assert _has_navigation(html) and "Log out" in html


def test_it_draws_the_500_page_in_the_layout(owner, client, monkeypatch):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(grading_views.reports, "model_summary", broken)
    client.force_login(owner)
    client.raise_request_exception = False
    response = client.get(reverse("grading:model"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html and 'aria-label="Main"' in html
    assert "boom" not in html


def test_it_draws_the_500_page_even_when_the_request_cannot_be_rendered(rf):
    from digitsight.errors import server_error

    class DatabaseDown:
        @property
        def is_authenticated(self):
            raise OperationalError("the database is down")

    request = rf.get("/")
    request.user = DatabaseDown()
    response = server_error(request)
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


def test_it_puts_a_csrf_failure_in_the_layout(csrf_client, owner):
    csrf_client.force_login(owner)
    response = csrf_client.post(reverse("predictor:upload"), {})
    assert response.status_code == 403
    assert "The form had expired" in response.content.decode()


LOCAL_PROBE = """
import json, django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
missing = client.get("/predictions/00000000-0000-0000-0000-000000000000/x/")
css = client.get("/static/css/app.css")
icon = client.get("/static/favicon.svg")
print(json.dumps({
    "missing": missing.status_code,
    "lists_patterns": b"URLconf" in missing.content or b"str:pk" in missing.content,
    "css": css.status_code,
    "icon": [icon.status_code, icon.get("Content-Type")],
}))
"""


def test_it_serves_make_run_without_debug_pages_but_with_static_files(tmp_path):
    result = run(
        ["-c", LOCAL_PROBE],
        DJANGO_SETTINGS_MODULE="digitsight.settings.local",
        DIGITSIGHT_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {"missing": 404, "lists_patterns": False, "css": 200, "icon": [200, "image/svg+xml"]}


def test_it_explains_an_oversized_web_request_in_the_layout(owner_client, settings):
    settings.DIGITSIGHT_MAX_REQUEST_BYTES = 4000
    response = owner_client.post(reverse("predictor:upload"), {}, CONTENT_LENGTH=str(10**9))
    html = response.content.decode()
    assert response.status_code == 413
    assert "That upload is too large" in html and "at most 0 MB per request" in html
    assert 'aria-label="Main"' in html
