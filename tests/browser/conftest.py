"""Browser fixtures: one headless Debian Chromium per session, a fresh context per test.

The app runs in pytest-django's `live_server` thread. Playwright's sync API runs an
event loop in this thread, which trips Django's async-unsafe guard on ORM calls made
by the test itself, hence DJANGO_ALLOW_ASYNC_UNSAFE.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.live_worker import WorkerProcess, worker_env
from tests.predictor.conftest import READER

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.timeout(240))


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (scripts/system-deps.sh --test)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _pages(chromium, base_url):
    """Yield a function opening pages, each in its own fresh browser context."""
    contexts, errors = [], []

    def open_page():
        context = chromium.new_context(base_url=base_url, viewport=DESKTOP, accept_downloads=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def open_page(chromium, live_server):
    """Pages for several people at once (one browser context each)."""
    yield from _pages(chromium, live_server.url)


@pytest.fixture
def web(open_page):
    """A page in a fresh browser context pointed at the live server."""
    return open_page()


@pytest.fixture(autouse=True)
def _reader(settings, monkeypatch):
    """The same reader as the predictor tests (the stand-in until the model is trained)."""
    settings.DIGITSIGHT_READER = READER
    monkeypatch.setenv("DIGITSIGHT_READER", READER)


@pytest.fixture
def late_worker(transactional_db, settings, celery_on_redis, tmp_path):
    """A real worker that the test starts when it wants, e.g. after a page shows `waiting`."""
    worker = WorkerProcess(worker_env(settings), tmp_path / "worker.log")
    yield worker
    worker.stop()
