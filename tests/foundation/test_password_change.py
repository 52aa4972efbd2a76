from django.urls import reverse

from tests.factories import PASSWORD

URL = reverse("accounts:password_change")
NEW = "a-brand-new-passphrase-42"


def test_it_changes_the_password_and_keeps_the_session(owner_client, owner):
    response = owner_client.post(URL, {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302
    assert response.url == reverse("accounts:profile")
    owner.refresh_from_db()
    assert owner.check_password(NEW)
    assert owner_client.get(reverse("accounts:profile")).status_code == 200


def test_it_requires_the_old_password(owner_client, owner):
    response = owner_client.post(URL, {"old_password": "wrong", "new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_it_applies_the_password_validators(owner_client, owner):
    response = owner_client.post(
        URL, {"old_password": PASSWORD, "new_password1": "owner", "new_password2": "owner"}
    )
    assert "new_password2" in response.context["form"].errors
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_it_needs_a_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
