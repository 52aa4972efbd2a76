"""Every state-changing account form refuses a POST without the CSRF token."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD


@pytest.mark.parametrize(
    "name, data",
    [
        ("accounts:login", {"username": "owner", "password": PASSWORD}),
        ("accounts:signup", {"username": "x", "email": "x@x.example", "password1": PASSWORD}),
        ("accounts:password_reset", {"email": "owner@school.example"}),
    ],
)
def test_it_refuses_anonymous_forms_without_the_token(csrf_client, owner, name, data):
    response = csrf_client.post(reverse(name), data)
    assert response.status_code == 403
    assert "_auth_user_id" not in csrf_client.session


@pytest.mark.parametrize(
    "name, data",
    [
        ("accounts:logout", {}),
        ("accounts:profile", {"display_name": "Hacked", "language": "fr"}),
        ("accounts:password_change", {"old_password": PASSWORD, "new_password1": "x", "new_password2": "x"}),
    ],
)
def test_it_refuses_logged_in_forms_without_the_token(csrf_client, owner, name, data):
    csrf_client.force_login(owner)
    response = csrf_client.post(reverse(name), data)
    assert response.status_code == 403
    owner.profile.refresh_from_db()
    assert owner.profile.display_name == ""
    assert "_auth_user_id" in csrf_client.session


def test_it_accepts_the_login_form_with_the_token(csrf_client, owner):
    csrf_client.get(reverse("accounts:login"))
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.post(
        reverse("accounts:login"), {"username": "owner", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302
