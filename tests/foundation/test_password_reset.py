import re

from django.core import mail
from django.urls import reverse

URL = reverse("accounts:password_reset")
NEW = "a-brand-new-passphrase-42"


def _link_from_mail() -> str:
    assert len(mail.outbox) == 1
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    assert match, mail.outbox[0].body
    return match.group(1)


def test_it_mails_a_link_that_sets_a_new_password(client, owner):
    response = client.post(URL, {"email": "owner@school.example"})
    assert response.url == reverse("accounts:password_reset_done")
    assert mail.outbox[0].to == ["owner@school.example"]
    assert mail.outbox[0].subject == "Reset your DigitSight password"

    # Django swaps the token for a session marker and redirects to the set-password form.
    form_url = client.get(_link_from_mail()).url
    response = client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    assert response.url == reverse("accounts:login")
    owner.refresh_from_db()
    assert owner.check_password(NEW)


def test_it_works_only_once(client, owner):
    client.post(URL, {"email": "owner@school.example"})
    link = _link_from_mail()
    form_url = client.get(link).url
    client.post(form_url, {"new_password1": NEW, "new_password2": NEW})
    response = client.get(link)
    assert response.status_code == 200
    assert "invalid or was already used" in response.content.decode()


def test_it_reveals_nothing_about_unknown_addresses(client, db):
    response = client.post(URL, {"email": "nobody@school.example"})
    assert response.url == reverse("accounts:password_reset_done")
    assert mail.outbox == []
