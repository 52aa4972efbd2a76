"""Anonymous, stranger, viewer, grader and owner on every route and method of the project.

One test per (route, method) walks the five roles in that order (the owner last, as the
owner's delete would leave nothing for the others). A stranger's 404 for a real object must
read exactly like the 404 for an id that does not exist.
"""

import re
import uuid

import pytest
from django.conf import settings
from django.shortcuts import resolve_url

from tests.security.conftest import ROLES, client_for
from tests.security.routes import (
    EXPECTED,
    GUEST,
    LOGIN,
    METHODS,
    OWN,
    PUBLIC,
    TOKEN,
    all_routes,
    is_admin,
    is_api,
    kwargs_for,
    send,
    url_for,
)

GRADING_ROLES = {
    "read": {"owner", "grader", "viewer"},
    "write": {"owner", "grader"},
    "manage": {"owner"},
}
OK, AWAY, DENIED, HIDDEN, FORBIDDEN = "ok", "away", "denied", "hidden", "forbidden"
LOGIN_PREFIX = "/accounts/login/?next="


def expected_outcome(need: str, role: str) -> str:
    if need == PUBLIC:
        return OK
    if need == TOKEN:
        return HIDDEN
    if need == GUEST:
        return OK if role == "anonymous" else AWAY
    if role == "anonymous":
        return DENIED
    if need == LOGIN:
        return OK
    if need == OWN:
        return OK if role == "owner" else HIDDEN
    if role in GRADING_ROLES[need]:
        return OK
    return HIDDEN if role == "stranger" else FORBIDDEN


def test_it_has_an_expectation_for_every_route():
    routes = {name for name in all_routes() if not is_admin(name)}
    assert routes - set(EXPECTED) == set(), "route(s) without an access expectation in routes.EXPECTED"
    assert set(EXPECTED) - routes == set(), "expectations for routes that no longer exist"


def test_it_fails_for_a_route_without_an_expectation(monkeypatch):
    # The check above is not vacuous: an unknown route shows up in all_routes().
    from django.urls import path

    from digitsight import urls

    monkeypatch.setattr(urls, "urlpatterns", [*urls.urlpatterns, path("x/", lambda r: None, name="new")])
    from django.urls import clear_url_caches

    clear_url_caches()
    try:
        assert "new" in all_routes()
        assert "new" not in EXPECTED
    finally:
        monkeypatch.undo()
        clear_url_caches()


CASES = [
    pytest.param(name, method, id=f"{name}-{method}")
    for name, (_kind, methods) in EXPECTED.items()
    for method in methods
]


@pytest.mark.parametrize(("name", "method"), CASES)
def test_it_enforces_the_access_table(name, method, world):
    url = url_for(name, world)
    need = EXPECTED[name][1][method]
    wrong = []
    for role in ROLES:
        client = client_for(world, role)
        outcome = expected_outcome(need, role)
        response = send(client, name, method, url)
        problem = _check(outcome, name, method, response)
        if problem is None and outcome == HIDDEN:
            problem = _same_as_missing(client, name, method, response, world)
        if problem:
            wrong.append(f"{role}: expected {outcome}, {problem}")
    assert not wrong, f"{method} {url}\n" + "\n".join(wrong)


def _check(outcome, name, method, response) -> str | None:
    status, location = response.status_code, response.get("Location", "")
    ok = {200, 302} if method == "GET" else {200, 201, 202, 204, 302, 400}
    passed = {
        OK: status in ok and not location.startswith((LOGIN_PREFIX, "/admin/login/")),
        AWAY: status == 302 and location == resolve_url(settings.LOGIN_REDIRECT_URL),
        DENIED: status in (401, 403) if is_api(name) else location.startswith(LOGIN_PREFIX),
        HIDDEN: status == 404,
        FORBIDDEN: status == 403,
    }[outcome]
    return None if passed else f"got {status} {location} {response.content[:200]!r}"


def _same_as_missing(client, name, method, response, world) -> str | None:
    """The 404 for an existing object must equal the 404 for an id nobody has."""
    real = kwargs_for(name, world)
    fake = {
        key: (uuid.uuid4() if isinstance(value, uuid.UUID) else 2_000_000_000) for key, value in real.items()
    }
    missing = send(client, name, method, url_for(name, world, **fake))
    if missing.status_code != 404:
        return f"a random id gave {missing.status_code}"
    same = _normalised(response, real) == _normalised(missing, fake)
    return None if same else f"404 differs from a random id's: {response.content!r} vs {missing.content!r}"


def _normalised(response, ids) -> tuple:
    body = response.content.decode(errors="replace")
    # The 404 page has the layout's logout form, whose CSRF token is masked anew on every render.
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', body)
    for value in ids.values():
        # A question number or crop index ("2", "0") would also match the page's own digits.
        if len(str(value)) >= 3:
            body = body.replace(str(value), "<id>")
    return response.get("Content-Type"), body


# --- Methods nobody listed are refused ---------------------------------------------------


def _probe_role(name) -> str:
    # Login-only pages bounce an anonymous request before the method check: probe as the owner.
    needs = set(EXPECTED[name][1].values())
    return "anonymous" if needs <= {PUBLIC, GUEST, TOKEN} else "owner"


@pytest.mark.parametrize("name", list(EXPECTED))
def test_it_refuses_every_method_without_an_expectation(name, world):
    client = client_for(world, _probe_role(name))
    url = url_for(name, world)
    unlisted = [m for m in METHODS if m not in EXPECTED[name][1]]
    answers = {m: send(client, name, m, url).status_code for m in unlisted}
    assert all(status == 405 for status in answers.values()), (url, answers)


# --- The admin: staff only ---------------------------------------------------------------

ADMIN_KWARGS = {"app_label": "auth", "id": "1", "object_id": "1", "content_type_id": "1", "url": "x"}
# Everything else sends non-staff to the admin login; logout sends them to the index first.
ADMIN_OPEN = {"admin:login": (200, ""), "admin:logout": (302, "/admin/")}


def _admin_urls():
    from django.urls import reverse

    routes = all_routes()
    urls = {
        name: reverse(name, kwargs={k: ADMIN_KWARGS[k] for k in args})
        for name, args in routes.items()
        if is_admin(name) and "<unnamed" not in name
    }
    return urls | {"admin:<object>": "/admin/auth/user/1/", "admin:<catch-all>": "/admin/no-such-page/"}


@pytest.mark.parametrize("role", ["anonymous", "owner"])
def test_it_keeps_every_admin_page_for_staff(role, world):
    client = client_for(world, role)
    wrong = {}
    for name, url in _admin_urls().items():
        response = client.get(url)
        status, location = ADMIN_OPEN.get(name, (302, "/admin/login/?next="))
        if (response.status_code, response.get("Location", "")[: len(location)]) != (status, location):
            wrong[url] = (response.status_code, response.get("Location"))
    assert not wrong
