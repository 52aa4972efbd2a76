import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.factories import PASSWORD

URL = "/api/auth/token/"


def _post(client, data, **extra):
    return client.post(URL, data, content_type="application/json", **extra)


def test_it_is_routed_where_documented():
    assert reverse("accounts-api:token") == URL


def test_it_returns_a_token_that_authenticates(client, owner):
    response = _post(client, {"username": "owner", "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=owner).key == token
    # The same token comes back on the next call.
    assert _post(client, {"username": "owner", "password": PASSWORD}).json()["token"] == token


def test_it_rejects_bad_credentials_with_400(client, owner):
    response = _post(client, {"username": "owner", "password": "wrong"})
    assert response.status_code == 400
    assert "token" not in response.json()
    assert not Token.objects.filter(user=owner).exists()


@pytest.mark.parametrize(
    "body", [{}, {"username": "owner"}, ["owner", PASSWORD], {"username": 3, "password": 4}]
)
def test_it_rejects_malformed_bodies_with_400(client, owner, body):
    assert _post(client, body).status_code == 400


def test_it_needs_no_csrf_token_for_a_logged_in_browser(csrf_client, owner):
    csrf_client.force_login(owner)
    assert _post(csrf_client, {"username": "owner", "password": PASSWORD}).status_code == 200


def test_it_is_throttled_like_the_login_page(client, owner, settings):
    settings.LOGIN_THROTTLE_FAILURES = 2
    assert [_post(client, {"username": "owner", "password": "x"}).status_code for _ in range(2)] == [400, 400]
    response = _post(client, {"username": "owner", "password": PASSWORD})
    assert response.status_code == 429
    assert response["Retry-After"] == str(settings.LOGIN_THROTTLE_WINDOW)
    assert "Too many failed login attempts" in response.json()["detail"]
    # Failures on the API lock the web login for that username too.
    web = client.post(reverse("accounts:login"), {"username": "owner", "password": PASSWORD})
    assert web.status_code == 429


def test_it_is_described_in_the_openapi_schema(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operation = schema["paths"][URL]["post"]
    assert operation["operationId"] == "auth_token_create"
    # No security requirement: the one endpoint callable without a token.
    assert operation.get("security", [{}]) == [{}]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][body]["required"]) == {"username", "password"}
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert list(schema["components"]["schemas"][ok]["properties"]) == ["token"]
    assert {"400", "429"} <= set(operation["responses"])
