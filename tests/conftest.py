"""Shared test base: an owner, a collaborator and a stranger.

Every access test starts from these three teachers; the collaborator is
given a role on the owner's things by the tests that need one.
"""

import pytest
from django.test import Client

from tests.factories import PASSWORD, UserFactory

pytest_plugins = ["tests.live_worker", "tests.storage_server"]


@pytest.fixture
def owner(db):
    return UserFactory(username="owner")


@pytest.fixture
def collaborator(db):
    return UserFactory(username="collaborator")


@pytest.fixture
def stranger(db):
    return UserFactory(username="stranger")


def _client_for(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def owner_client(owner):
    return _client_for(owner)


@pytest.fixture
def collaborator_client(collaborator):
    return _client_for(collaborator)


@pytest.fixture
def stranger_client(stranger):
    return _client_for(stranger)


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Throttle counters live in the cache (Redis under `make test`) and are keyed by user id,
    # which repeats across tests: without this, uploads from earlier tests trip the rate limit.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
