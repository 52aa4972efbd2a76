"""The OpenAPI schema says what the API does: its error answers, required fields and lengths."""

import pytest

from grading.models import Assignment
from tests.factories import token_client
from tests.grading.factories import AssignmentFactory, CollaboratorFactory

pytestmark = pytest.mark.django_db
METHODS = {"get", "post", "put", "patch", "delete"}
# The uploads (a per-user rate) and the token exchange (failed logins) answer 429.
THROTTLED = {
    ("post", "/api/predictions/"),
    ("post", "/api/assignments/{id}/submissions/"),
    ("post", "/api/auth/token/"),
}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def component(schema, ref: str) -> dict:
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]


def request_schema(schema, path, method, media="application/json") -> dict:
    content = schema["paths"][path][method]["requestBody"]["content"]
    return component(schema, content[media]["schema"]["$ref"])


def test_it_documents_404_wherever_an_object_is_looked_up(schema):
    missing = [
        f"{m.upper()} {p}" for m, p, op in operations(schema) if "{" in p and "404" not in op["responses"]
    ]
    assert not missing


def test_it_documents_404_for_a_page_past_the_end(schema):
    paged = [
        (m, p, op)
        for m, p, op in operations(schema)
        if any(x["name"] == "page" for x in op.get("parameters", []))
    ]
    assert paged and all("404" in op["responses"] for _, _, op in paged)


def test_it_documents_400_wherever_a_body_is_validated(schema):
    missing = [
        f"{m.upper()} {p}"
        for m, p, op in operations(schema)
        if "requestBody" in op and "400" not in op["responses"]
    ]
    assert not missing


def test_it_documents_429_on_the_throttled_operations(schema):
    documented = {(m, p) for m, p, op in operations(schema) if "429" in op["responses"]}
    assert THROTTLED <= documented


def test_it_documents_401_wherever_a_token_is_needed(schema):
    secured = [(p, op) for _, p, op in operations(schema) if op.get("security", [{}]) != [{}]]
    assert secured and all("401" in op["responses"] for _, op in secured)


def test_it_describes_error_bodies(schema):
    response = schema["paths"]["/api/assignments/{id}/"]["get"]["responses"]["404"]
    body = response["content"]["application/json"]["schema"]
    assert "detail" in component(schema, body["$ref"])["properties"]


@pytest.mark.parametrize(
    "path, method, field",
    [
        ("/api/assignments/", "post", "title"),
        ("/api/assignments/{id}/collaborators/", "post", "username"),
        ("/api/auth/token/", "post", "username"),
        ("/api/submissions/{id}/", "patch", "student"),
    ],
)
def test_it_gives_the_minimum_length_of_fields_that_refuse_blanks(schema, path, method, field):
    assert request_schema(schema, path, method)["properties"][field]["minLength"] == 1


def test_it_requires_role_when_patching_a_collaborator(schema):
    body = request_schema(schema, "/api/assignments/{id}/collaborators/{user_id}/", "patch")
    assert body["required"] == ["role"]
    assert schema["paths"]["/api/assignments/{id}/collaborators/{user_id}/"]["patch"]["requestBody"][
        "required"
    ]


# The code behind the schema's claims, so the two cannot drift apart silently.


def test_it_refuses_a_blank_title_and_a_blank_username(owner):
    api = token_client(owner)
    assert api.post("/api/assignments/", {"title": "", "answer_key": ["1"]}, format="json").status_code == 400
    assignment = AssignmentFactory(owner=owner)
    url = f"/api/assignments/{assignment.pk}/collaborators/"
    assert api.post(url, {"username": "", "role": "viewer"}, format="json").status_code == 400
    assert not Assignment.objects.filter(title="").exists()


def test_it_refuses_a_collaborator_patch_without_role(owner):
    share = CollaboratorFactory(assignment=AssignmentFactory(owner=owner))
    url = f"/api/assignments/{share.assignment_id}/collaborators/{share.user_id}/"
    response = token_client(owner).patch(url, {}, format="json")
    assert response.status_code == 400 and "role" in response.json()
