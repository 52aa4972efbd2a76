"""Log-in page: accessible, usable on a phone, and the collapsed navigation opens."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import assert_accessible, log_in, screenshots

pytestmark = pytest.mark.browser


def test_it_shows_an_accessible_login_page(web):
    web.goto("/accounts/login/")
    assert_accessible(web)
    screenshots(web, "login")


def test_it_explains_a_wrong_password_accessibly(web, owner):
    web.goto("/accounts/login/")
    web.get_by_label("Username").fill(owner.username)
    web.get_by_label("Password").fill("not-the-password")
    web.get_by_role("button", name="Log in").click()
    expect(web.get_by_role("alert")).to_contain_text("correct username and password")
    assert_accessible(web)


def test_it_opens_the_collapsed_navigation_on_a_phone(web, owner):
    log_in(web, owner)
    web.set_viewport_size(PHONE)
    nav = web.get_by_role("navigation", name="Main")
    upload = nav.get_by_role("link", name="Upload")
    expect(upload).to_be_hidden()
    toggle = nav.get_by_role("button", name="Toggle navigation")
    toggle.click()
    expect(upload).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("button", name="Log out")).to_be_in_viewport()
    upload.click()
    expect(web.get_by_role("heading", name="Upload photos or scans")).to_be_visible()
