import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

URL = reverse("accounts:login")


@pytest.fixture(autouse=True)
def _three_failures(settings):
    settings.LOGIN_THROTTLE_FAILURES = 3
    settings.LOGIN_THROTTLE_WINDOW = 600


def _fail(client, username="owner", **extra):
    return client.post(URL, {"username": username, "password": "wrong"}, **extra)


def test_it_answers_429_after_too_many_failures(client, owner):
    assert [_fail(client).status_code for _ in range(3)] == [200, 200, 200]
    response = _fail(client)
    assert response.status_code == 429
    assert response["Retry-After"] == "600"
    assert "Too many attempts" in response.content.decode()


def test_it_refuses_even_the_right_password_once_locked(client, owner):
    for _ in range(3):
        _fail(client)
    response = client.post(URL, {"username": "owner", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_it_counts_per_username_across_ips(client, owner):
    for n in range(3):
        _fail(client, REMOTE_ADDR=f"10.0.0.{n}")
    assert (
        client.post(URL, {"username": "OWNER", "password": PASSWORD}, REMOTE_ADDR="10.9.9.9").status_code
        == 429
    )


def test_it_counts_per_ip_across_usernames(client, owner):
    UserFactory(username="other")
    for n in range(3):
        _fail(client, username=f"guess{n}", REMOTE_ADDR="10.1.1.1")
    assert (
        client.post(URL, {"username": "other", "password": PASSWORD}, REMOTE_ADDR="10.1.1.1").status_code
        == 429
    )
    # Another address may still log in as someone else.
    response = client.post(URL, {"username": "other", "password": PASSWORD}, REMOTE_ADDR="10.2.2.2")
    assert response.status_code == 302


def test_it_forgets_the_username_count_after_a_success(client, owner):
    for n in range(2):
        _fail(client, REMOTE_ADDR=f"10.3.0.{n}")
    assert (
        client.post(URL, {"username": "owner", "password": PASSWORD}, REMOTE_ADDR="10.3.1.1").status_code
        == 302
    )
    client.post(reverse("accounts:logout"))
    for n in range(2):
        assert _fail(client, REMOTE_ADDR=f"10.3.2.{n}").status_code == 200


def test_it_trusts_x_forwarded_for_only_behind_a_configured_proxy(client, owner, settings):
    # With no proxy configured, a forged header does not give a fresh IP.
    for n in range(3):
        _fail(client, username=f"guess{n}", HTTP_X_FORWARDED_FOR=f"10.4.0.{n}")
    assert _fail(client, username="someone", HTTP_X_FORWARDED_FOR="10.4.9.9").status_code == 429

    settings.DIGITSIGHT_PROXY_COUNT = 1
    assert _fail(client, username="someone", HTTP_X_FORWARDED_FOR="1.2.3.4, 10.4.9.9").status_code == 200
