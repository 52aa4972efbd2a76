"""CSRF stays on: every unsafe web route, every rendered POST form, and session-authenticated API calls."""

from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import resolve
from rest_framework.authtoken.models import Token

from tests.security.conftest import client_for
from tests.security.routes import EXPECTED, GUEST, PUBLIC, is_api, send, url_for

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
WEB_CASES = [
    pytest.param(name, method, id=f"{name}-{method}")
    for name, (_kind, methods) in EXPECTED.items()
    for method in methods
    if method in UNSAFE and not is_api(name)
]
# Session-authenticated API calls; the token endpoint has no session auth (tests/foundation).
API_CASES = [
    pytest.param(name, method, id=f"{name}-{method}")
    for name, (_kind, methods) in EXPECTED.items()
    for method in methods
    if method in UNSAFE and is_api(name) and name != "accounts-api:token"
]


def _csrf_client(world, role) -> Client:
    return client_for(world, role, enforce_csrf_checks=True)


def _role_for(name) -> str:
    return "anonymous" if set(EXPECTED[name][1].values()) <= {PUBLIC, GUEST} else "owner"


def _is_csrf_refusal(response) -> bool:
    return response.status_code == 403 and b"CSRF" in response.content


@pytest.mark.parametrize(("name", "method"), WEB_CASES)
def test_it_refuses_every_unsafe_web_request_without_the_token(name, method, world):
    client = _csrf_client(world, _role_for(name))
    response = send(client, name, method, url_for(name, world))
    assert _is_csrf_refusal(response), (name, method, response.status_code)


@pytest.mark.parametrize(("name", "method"), API_CASES)
def test_it_enforces_csrf_on_session_authenticated_api_calls(name, method, world):
    response = send(_csrf_client(world, "owner"), name, method, url_for(name, world))
    assert _is_csrf_refusal(response), (name, method, response.status_code, response.content[:200])


@pytest.mark.parametrize(("name", "method"), API_CASES)
def test_it_needs_no_csrf_token_with_token_auth(name, method, world):
    token = Token.objects.create(user=world["users"]["owner"])
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {token.key}")
    response = send(client, name, method, url_for(name, world))
    assert response.status_code in (200, 201, 202, 204, 400), (name, method, response.status_code)


# --- Forms found on the pages themselves ------------------------------------------------


class _Forms(HTMLParser):
    """POST forms of a page: their action and the names of their inputs."""

    def __init__(self):
        super().__init__()
        self.forms, self._open = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self._open = {"action": attrs.get("action") or "", "inputs": set()}
            self.forms.append(self._open)
        elif tag in ("input", "button", "select", "textarea") and self._open is not None:
            self._open["inputs"].add(attrs.get("name"))

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def _post_forms(world) -> list[dict]:
    """Every POST form on every page the sweep can GET, as the owner and as a visitor."""
    found = []
    for name, (_kind, methods) in EXPECTED.items():
        if "GET" not in methods or is_api(name):
            continue
        for role in {"owner", _role_for(name)}:
            response = client_for(world, role).get(url_for(name, world), follow=True)
            if response.status_code != 200 or "text/html" not in response["Content-Type"]:
                continue
            parser = _Forms()
            parser.feed(response.content.decode())
            page = response.request["PATH_INFO"]
            found += [
                form | {"page": page, "url": urljoin(page, form["action"]), "role": role}
                for form in parser.forms
            ]
    return found


# Forms the pages must render; proves the discovery is not vacuous.
KNOWN_FORMS = {
    "accounts:login", "accounts:signup", "accounts:logout", "accounts:profile",
    "accounts:password_change", "accounts:password_reset", "predictor:upload", "predictor:correct",
    "predictor:rerun", "predictor:delete", "grading:assignment_create", "grading:assignment_edit",
    "grading:assignment_delete", "grading:class_upload", "grading:mark_group",
    "grading:audio_export_create", "grading:submission_override", "grading:submission_reviewed",
    "grading:submission_rename", "grading:submission_delete", "grading:collaborators",
    "grading:collaborator_role", "grading:collaborator_remove", "worksheets:template_upload",
    "worksheets:roster", "worksheets:roster_import", "worksheets:roster_delete",
}  # fmt: skip


def test_it_puts_the_token_in_every_post_form_and_refuses_it_without(world):
    forms = _post_forms(world)
    targets = {}
    for form in forms:
        assert "csrfmiddlewaretoken" in form["inputs"], f"form without the token on {form['page']}"
        match = resolve(urlsplit(form["url"]).path)
        assert "POST" in EXPECTED[match.view_name][1], f"{form['page']} posts to {match.view_name}"
        targets.setdefault(match.view_name, form)
    assert KNOWN_FORMS <= set(targets), KNOWN_FORMS - set(targets)
    for name, form in targets.items():
        response = _csrf_client(world, form["role"]).post(form["url"], {})
        assert _is_csrf_refusal(response), (name, form["url"], response.status_code)
