"""The web login and the API token endpoint share one failure counter (the other direction,
API failures locking the web login, is in tests/foundation/test_api_token.py)."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

LOGIN = reverse("accounts:login")
TOKEN = reverse("accounts-api:token")


@pytest.fixture(autouse=True)
def _three_failures(settings):
    settings.LOGIN_THROTTLE_FAILURES = 3
    settings.LOGIN_THROTTLE_WINDOW = 600


def _api(client, username, password, **extra):
    body = {"username": username, "password": password}
    return client.post(TOKEN, body, content_type="application/json", **extra)


def test_it_locks_the_api_after_web_failures(client, owner):
    statuses = [client.post(LOGIN, {"username": "owner", "password": "x"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 200]
    response = _api(client, "owner", PASSWORD, REMOTE_ADDR="10.8.0.1")
    assert response.status_code == 429
    assert "token" not in response.json()


def test_it_shares_the_ip_counter_across_web_and_api(client, owner):
    UserFactory(username="other")
    client.post(LOGIN, {"username": "guess1", "password": "x"}, REMOTE_ADDR="10.7.0.1")
    _api(client, "guess2", "x", REMOTE_ADDR="10.7.0.1")
    client.post(LOGIN, {"username": "guess3", "password": "x"}, REMOTE_ADDR="10.7.0.1")
    assert _api(client, "other", PASSWORD, REMOTE_ADDR="10.7.0.1").status_code == 429
    assert (
        client.post(LOGIN, {"username": "other", "password": PASSWORD}, REMOTE_ADDR="10.7.0.1").status_code
        == 429
    )
    # Below the limit the same pair still works from elsewhere.
    assert _api(client, "other", PASSWORD, REMOTE_ADDR="10.7.0.2").status_code == 200


def test_it_lets_the_limit_minus_one_failures_through(client, owner):
    for _ in range(2):
        _api(client, "owner", "x")
    assert _api(client, "owner", PASSWORD).status_code == 200
