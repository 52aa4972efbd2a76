"""Sign-ups and password-reset e-mails are rate-limited: each one costs an account or a message."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD

SIGNUP = reverse("accounts:signup")
RESET = reverse("accounts:password_reset")


@pytest.fixture(autouse=True)
def _low_limits(settings):
    settings.SIGNUP_THROTTLE = 2
    settings.PASSWORD_RESET_THROTTLE = 2


def _signup(client, name, **extra):
    data = {"username": name, "email": f"{name}@school.example", "password1": PASSWORD, "password2": PASSWORD}
    response = client.post(SIGNUP, data, **extra)
    client.logout()
    return response


def test_it_refuses_more_sign_ups_from_one_network(client, db):
    assert [_signup(client, f"t{n}").status_code for n in range(2)] == [302, 302]
    response = _signup(client, "t2")
    assert response.status_code == 429 and response["Retry-After"] == "3600"
    assert "Too many accounts were created from your network" in response.content.decode()
    assert not get_user_model().objects.filter(username="t2").exists()


def test_it_lets_another_network_sign_up(client, db):
    for n in range(2):
        _signup(client, f"t{n}")
    assert _signup(client, "t2", REMOTE_ADDR="10.1.2.3").status_code == 302


def test_it_does_not_count_sign_ups_that_failed_validation(client, db):
    for _ in range(3):
        client.post(SIGNUP, {"username": "x", "password1": "a", "password2": "b"})
    assert _signup(client, "real").status_code == 302


def test_it_refuses_more_reset_mails_for_one_address_from_any_network(client, owner):
    for n in range(2):
        assert (
            client.post(RESET, {"email": "owner@school.example"}, REMOTE_ADDR=f"10.0.0.{n}").status_code
            == 302
        )
    response = client.post(RESET, {"email": "OWNER@school.example"}, REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429
    assert "password-reset e-mails" in response.content.decode()
    assert len(mail.outbox) == 2


def test_it_refuses_more_reset_mails_from_one_network(client, owner):
    for n in range(2):
        client.post(RESET, {"email": f"someone{n}@school.example"})
    assert client.post(RESET, {"email": "owner@school.example"}).status_code == 429
    assert mail.outbox == []
