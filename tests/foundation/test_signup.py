from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

URL = reverse("accounts:signup")


def _data(**overrides):
    data = {
        "username": "newteacher",
        "email": "new@school.example",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    return data | overrides


def test_it_creates_the_account_and_logs_in(client, db):
    response = client.post(URL, _data())
    assert response.status_code == 302
    assert response.url == reverse("predictor:history")
    user = get_user_model().objects.get(username="newteacher")
    assert user.email == "new@school.example"
    assert user.profile.language == "en"
    assert client.session["_auth_user_id"] == str(user.pk)


def test_it_shows_the_form(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    for name in ("username", "email", "password1", "password2"):
        assert f'name="{name}"' in response.content.decode()


def test_it_rejects_mismatched_passwords(client, db):
    response = client.post(URL, _data(password2="something-else-entirely"))
    assert response.status_code == 200
    assert "password2" in response.context["form"].errors
    assert not get_user_model().objects.filter(username="newteacher").exists()


def test_it_applies_the_password_validators(client, db):
    response = client.post(URL, _data(password1="12345678", password2="12345678"))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["password2"])
    assert "too common" in errors
    assert "is-invalid" in response.content.decode()


def test_it_requires_an_email(client, db):
    response = client.post(URL, _data(email=""))
    assert "email" in response.context["form"].errors


def test_it_rejects_an_email_already_in_use(client, db):
    UserFactory(email="taken@school.example")
    response = client.post(URL, _data(email="TAKEN@school.example"))
    assert "already exists" in str(response.context["form"].errors["email"])


def test_it_rejects_a_taken_username(client, owner):
    response = client.post(URL, _data(username="owner"))
    assert "username" in response.context["form"].errors


def test_it_sends_a_logged_in_user_home(owner_client):
    assert owner_client.get(URL).status_code == 302
