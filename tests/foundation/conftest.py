import uuid

import pytest


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings):
    """Each test gets fresh throttle counters without flushing the shared Redis database.

    All test clients come from 127.0.0.1, so counters left by one test would
    otherwise lock out the next.
    """
    caches = {name: dict(conf) for name, conf in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"test-{uuid.uuid4().hex}"
    settings.CACHES = caches
