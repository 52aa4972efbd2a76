"""Production settings as a browser meets them: a real login over HTTPS, then the headers.

`check --deploy` itself is tested in tests/foundation/test_production.py; this runs requests
through the production settings (in a child process: settings load once per process) and
reads the Set-Cookie flags and security headers that actually go out.
"""

import json
import secrets

import pytest
from django.db import connection

from tests.foundation._subprocess import run

HOST = "digitsight.example"
SCRIPT = """
import json, django
django.setup()
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client

def cookies(response):
    return {name: dict(morsel.items()) for name, morsel in response.cookies.items()}

with transaction.atomic():
    get_user_model().objects.create_user("prodcheck", password="Pr0d-check-pass!")
    client = Client(HTTP_HOST="%(host)s")
    plain = client.get("/accounts/login/")
    credentials = {"username": "prodcheck", "password": "Pr0d-check-pass!"}
    login = client.post("/accounts/login/", credentials, secure=True)
    api = client.get("/api/predictions/", secure=True)
    proxied = client.get("/api/predictions/", HTTP_X_FORWARDED_PROTO="https")
    print(json.dumps({
        "plain": [plain.status_code, plain.get("Location")],
        "login": [login.status_code, dict(login.headers), cookies(login)],
        "api": [api.status_code, dict(api.headers)],
        "proxied": proxied.status_code,
    }))
    transaction.set_rollback(True)
"""


@pytest.fixture(scope="module")
def production(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    result = run(
        ["-c", SCRIPT % {"host": HOST}],
        DJANGO_SETTINGS_MODULE="digitsight.settings.production",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DJANGO_ALLOWED_HOSTS=HOST,
        DATABASE_URL=url,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_redirects_plain_http_to_https(production):
    assert production["plain"] == [301, f"https://{HOST}/accounts/login/"]


def test_it_trusts_the_proxys_https_header(production):
    assert production["proxied"] == 200


def test_it_sends_the_session_cookie_secure_httponly_and_samesite(production):
    status, _headers, cookies = production["login"]
    assert status == 302
    session = cookies["sessionid"]
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"


def test_it_sends_the_csrf_cookie_secure_and_samesite(production):
    csrf = production["login"][2]["csrftoken"]
    assert csrf["secure"] is True
    assert csrf["samesite"] == "Lax"


@pytest.mark.parametrize("response", ["login", "api"])
def test_it_sends_the_security_headers(production, response):
    headers = production[response][1]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
