"""The model page is accessible and fits a phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import assert_accessible, log_in, screenshots

pytestmark = pytest.mark.browser


def test_it_shows_an_accessible_model_page(web, owner):
    log_in(web, owner)
    web.get_by_role("navigation", name="Main").get_by_role("link", name="Model").click()
    expect(web.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(web)
    screenshots(web, "model")
