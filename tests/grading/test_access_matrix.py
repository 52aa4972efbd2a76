"""Owner / grader / viewer / stranger / anonymous on every grading page and API endpoint.

The routes come from the URL conf: a new grading route without an entry in EXPECTED
fails `test_it_has_an_expectation_for_every_grading_route`.
"""

import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.urls import URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from grading.models import AudioExport, Collaborator
from tests.factories import PASSWORD, UserFactory
from tests.grading.factories import AssignmentFactory, CollaboratorFactory, graded
from tests.worksheets.factories import worksheet_world

NAMESPACES = ("grading", "grading_api", "worksheets", "worksheets_api")
LOGIN, READ, WRITE, MANAGE, OWN = "login", "read", "write", "manage", "own"

# route -> (what `pk` names, {method: what the request needs})
EXPECTED = {
    "grading:assignment_list": (None, {"GET": LOGIN}),
    "grading:assignment_create": (None, {"GET": LOGIN, "POST": LOGIN}),
    "grading:assignment_detail": ("assignment", {"GET": READ}),
    "grading:question_stats": ("assignment", {"GET": READ}),
    "grading:live_assignment": ("assignment", {"GET": READ}),
    "grading:assignment_edit": ("assignment", {"GET": MANAGE, "POST": MANAGE}),
    "grading:assignment_delete": ("assignment", {"GET": MANAGE, "POST": MANAGE}),
    "grading:class_upload": ("assignment", {"GET": WRITE, "POST": WRITE}),
    "grading:next_review": ("assignment", {"GET": READ}),
    "grading:answer_groups": ("assignment", {"GET": READ}),
    "grading:mark_group": ("assignment", {"POST": WRITE}),
    "grading:grades_csv": ("assignment", {"GET": READ}),
    "grading:audio_export_create": ("assignment", {"POST": WRITE}),  # it makes files: a write
    "grading:audio_export_detail": ("assignment", {"GET": READ}),
    "grading:audio_export_download": ("assignment", {"GET": READ}),
    "grading:submission_detail": ("submission", {"GET": READ}),
    "grading:submission_image": ("submission", {"GET": READ}),
    "grading:submission_override": ("submission", {"POST": WRITE}),
    "grading:submission_reviewed": ("submission", {"POST": WRITE}),
    "grading:submission_rename": ("submission", {"POST": WRITE}),
    "grading:submission_delete": ("submission", {"POST": MANAGE}),
    "grading:collaborators": (None, {"GET": LOGIN, "POST": LOGIN}),
    "grading:collaborator_role": ("share", {"POST": MANAGE}),
    "grading:collaborator_remove": ("share", {"POST": MANAGE}),
    "grading:model": (None, {"GET": LOGIN}),
    "grading:model_report_image": (None, {"GET": LOGIN}),
    "grading_api:assignment_list": (None, {"GET": LOGIN, "POST": LOGIN}),
    "grading_api:assignment_detail": ("assignment", {"GET": READ, "PATCH": MANAGE, "DELETE": MANAGE}),
    "grading_api:submission_list": ("assignment", {"GET": READ, "POST": WRITE}),
    "grading_api:collaborator_list": ("assignment", {"GET": READ, "POST": MANAGE}),
    "grading_api:collaborator_detail": ("assignment", {"GET": READ, "PATCH": MANAGE, "DELETE": MANAGE}),
    "grading_api:grades_csv": ("assignment", {"GET": READ}),
    "grading_api:submission_detail": ("submission", {"GET": READ, "PATCH": WRITE}),
    # The class list is the teacher's own: everyone else gets a 404.
    "grading_api:roster_list": (None, {"GET": LOGIN, "POST": LOGIN}),
    "grading_api:roster_import": (None, {"POST": LOGIN}),
    "grading_api:roster_detail": ("student", {"GET": OWN, "PATCH": OWN, "DELETE": OWN}),
    "worksheets:editor": ("assignment", {"GET": MANAGE}),
    "worksheets:template_upload": ("assignment", {"POST": MANAGE}),
    "worksheets:template_image": ("assignment", {"GET": READ}),
    "worksheets:question_grid": ("assignment", {"GET": READ}),
    "worksheets:needs_attention": ("assignment", {"GET": READ}),
    "worksheets:submission_crop": ("area_submission", {"GET": READ}),
    "worksheets:pick_student": ("area_submission", {"POST": WRITE}),
    "worksheets:roster": (None, {"GET": LOGIN, "POST": LOGIN}),
    "worksheets:roster_import": (None, {"POST": LOGIN}),
    "worksheets:roster_delete": ("student", {"POST": OWN}),
    "worksheets_api:template": ("assignment", {"PUT": MANAGE}),
    "worksheets_api:regions": ("assignment", {"GET": READ, "PUT": MANAGE}),
    "worksheets_api:sheet_pdf": ("assignment", {"GET": WRITE}),
}

ALLOWED = {
    "owner": {LOGIN, READ, WRITE, MANAGE, OWN},
    "grader": {LOGIN, READ, WRITE},
    "viewer": {LOGIN, READ},
    "stranger": {LOGIN},  # OWN: only the owner, and a 404 for everyone else
    "anonymous": set(),
}

# Bodies that pass validation where that is cheap; a 400 still proves access was granted.
BODIES = {
    ("grading:submission_override", "POST"): {"question": 2, "verdict": "correct"},
    ("grading:submission_rename", "POST"): {"student": "Renamed"},
    ("grading:mark_group", "POST"): {"question": 1, "value": "12", "correct": "1"},
    ("grading:collaborator_role", "POST"): {"role": "grader"},
    ("grading_api:assignment_detail", "PATCH"): {"title": "Renamed"},
    ("grading_api:submission_detail", "PATCH"): {"answers": [{"question": 2, "correct": True}]},
    ("grading_api:collaborator_detail", "PATCH"): {"role": "grader"},
    ("grading_api:roster_detail", "PATCH"): {"name": "Renamed"},
    ("worksheets_api:regions", "PUT"): {"regions": [{"name": "1", "box": [0, 0, 50, 20], "answer": "1"}]},
}

MULTIPART = {"grading_api:submission_list", "worksheets_api:template", "grading_api:roster_import"}


def grading_routes() -> dict[str, list[str]]:
    """Every named route in the grading namespaces, with its URL keyword arguments."""
    found = {}

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif namespace in NAMESPACES:
                found[f"{namespace}:{pattern.name}"] = sorted(pattern.pattern.converters)

    walk(get_resolver().url_patterns, None)
    return found


def test_it_has_an_expectation_for_every_grading_route():
    routes = grading_routes()
    assert set(routes) - set(EXPECTED) == set(), "new grading route(s) without an access expectation"
    assert set(EXPECTED) - set(routes) == set(), "expectations for routes that no longer exist"


CASES = [
    pytest.param(name, method, role, id=f"{name}-{method}-{role}")
    for name, (_kind, methods) in EXPECTED.items()
    for method in methods
    for role in ALLOWED
]


@pytest.fixture
def world(owner, settings, tmp_path):
    assignment = AssignmentFactory(owner=owner)
    submission = graded(assignment, ["12", ("1", 0.4), "345"], student="Ana")
    helper = UserFactory(username="helper")
    share = CollaboratorFactory(assignment=assignment, user=helper)
    export = AudioExport.objects.create(assignment=assignment, status=AudioExport.Status.DONE)
    export.file.save("readouts.zip", ContentFile(_empty_zip()))
    settings.DIGITSIGHT_REPORTS_DIR = tmp_path / "reports"
    settings.DIGITSIGHT_REPORTS_DIR.mkdir()
    (settings.DIGITSIGHT_REPORTS_DIR / "confusion.png").write_bytes(b"\x89PNG fake")
    return {
        "assignment": assignment,
        "submission": submission,
        "share": share,
        "export": export,
        "helper": helper,
    } | worksheet_world(assignment)


def _empty_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("transcript.txt", "")
    return buffer.getvalue()


def _kwargs(name, world) -> dict:
    kind = EXPECTED[name][0]
    values = {
        "pk": world[kind].pk if kind else None,
        "export_id": world["export"].pk,
        "user_id": world["helper"].pk,
        "name": "confusion.png",
        "question": 1,
        "index": 0,
    }
    return {key: values[key] for key in grading_routes()[name]}


def _client(role, world, collaborator):
    client = APIClient()
    users = {"owner": world["assignment"].owner, "grader": collaborator, "viewer": collaborator}
    if role in ("grader", "viewer"):
        Collaborator.objects.create(assignment=world["assignment"], user=collaborator, role=role)
    if role == "stranger":
        users["stranger"] = UserFactory(username="stranger")
    if role in users:
        assert client.login(username=users[role].username, password=PASSWORD)
    return client


def _request(client, name, method, url):
    body = BODIES.get((name, method), {})
    if name in MULTIPART and method in ("POST", "PUT"):
        return client.generic(method, url, **_multipart({"student": "Ana"}))
    if name.startswith(("grading_api:", "worksheets_api:")) and method != "GET":
        return client.generic(method, url, data=_json(body), content_type="application/json")
    return client.generic(method, url, data=_form(body), content_type="application/x-www-form-urlencoded")


def _multipart(fields) -> dict:
    from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

    return {"data": encode_multipart(BOUNDARY, fields), "content_type": MULTIPART_CONTENT}


def _json(body) -> str:
    import json

    return json.dumps(body)


def _form(body) -> str:
    from urllib.parse import urlencode

    return urlencode(body)


@pytest.mark.parametrize(("name", "method", "role"), CASES)
def test_it_enforces_the_role_matrix(name, method, role, world, collaborator):
    client = _client(role, world, collaborator)
    url = reverse(name, kwargs=_kwargs(name, world))
    need = EXPECTED[name][1][method]
    response = _request(client, name, method, url)
    status = response.status_code
    if need in ALLOWED[role]:
        assert status in (200, 201, 202, 204, 302, 400), (url, status, response.content[:300])
        if status == 302:
            assert "/accounts/login/" not in response["Location"]
    elif role == "anonymous":
        expected = (401, 403) if name.startswith(("grading_api:", "worksheets_api:")) else (302,)
        assert status in expected, (url, status)
        if status == 302:
            assert "/accounts/login/" in response["Location"]
    elif role == "stranger" or need == OWN:
        assert status == 404, (url, status)
    else:
        assert status == 403, (url, status)
