from django.urls import reverse

from tests.factories import PASSWORD

URL = reverse("accounts:login")


def test_it_logs_in(client, owner):
    response = client.post(URL, {"username": "owner", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("predictor:history")
    assert client.session["_auth_user_id"] == str(owner.pk)


def test_it_follows_a_safe_next(client, owner):
    response = client.post(URL, {"username": "owner", "password": PASSWORD, "next": "/accounts/profile/"})
    assert response.url == "/accounts/profile/"


def test_it_ignores_an_offsite_next(client, owner):
    response = client.post(URL, {"username": "owner", "password": PASSWORD, "next": "https://evil.example/"})
    assert response.url == reverse("predictor:history")


def test_it_rejects_a_wrong_password(client, owner):
    response = client.post(URL, {"username": "owner", "password": "wrong"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "correct username and password" in response.content.decode()


def test_it_logs_out_on_post(owner_client):
    response = owner_client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:login")
    assert "_auth_user_id" not in owner_client.session


def test_it_does_not_log_out_on_get(owner_client):
    response = owner_client.get(reverse("accounts:logout"))
    assert response.status_code == 405
    assert "_auth_user_id" in owner_client.session
