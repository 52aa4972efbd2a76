from django.urls import reverse

from accounts.models import READOUT_LANGUAGES

URL = reverse("accounts:profile")


def test_it_redirects_anonymous_users_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={URL}"


def test_it_shows_the_profile(owner_client):
    response = owner_client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    for code, label in READOUT_LANGUAGES:
        assert f'value="{code}"' in body
        assert label in body


def test_it_saves_display_name_and_language(owner_client, owner):
    response = owner_client.post(URL, {"display_name": "Ms Rivera", "language": "es"}, follow=True)
    owner.profile.refresh_from_db()
    assert (owner.profile.display_name, owner.profile.language) == ("Ms Rivera", "es")
    assert "Profile saved." in response.content.decode()
    # The navigation shows the display name instead of the username.
    assert "Ms Rivera" in owner_client.get(URL).content.decode()


def test_it_rejects_an_unknown_language(owner_client, owner):
    response = owner_client.post(URL, {"display_name": "X", "language": "xx"})
    assert response.status_code == 200
    assert "language" in response.context["form"].errors
    owner.profile.refresh_from_db()
    assert owner.profile.language == "en"


def test_it_creates_a_missing_profile(owner_client, owner):
    owner.profile.delete()
    response = owner_client.post(URL, {"display_name": "Back", "language": "de"})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.profile.language == "de"
