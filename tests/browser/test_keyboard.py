"""Upload and correction work with the keyboard alone, and focus is always visible."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import focus_is_visible, log_in, tab_to
from tests.predictor import images

pytestmark = pytest.mark.browser


def keyboard_upload(page: Page, photo) -> None:
    page.goto("/predictions/new/")
    tab_to(page, "input[name=images]")
    assert focus_is_visible(page), "the file input shows no focus ring"
    # The file dialog itself belongs to the OS (and opens unreliably headless); what the page
    # owes a keyboard user is a focusable input and a form that submits from the keyboard.
    page.locator(":focus").set_input_files(photo)
    tab_to(page, "#upload-form button[type=submit]")
    assert focus_is_visible(page), "the upload button shows no focus ring"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/predictions/[^/]+/$"))


def keyboard_correction(page: Page, number: str) -> None:
    tab_to(page, "#id_corrected_number")
    assert focus_is_visible(page), "the correction field shows no focus ring"
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type(number)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Correction saved.")).to_be_visible()
    expect(page.get_by_test_id("shown-number")).to_have_text(number)


def test_it_uploads_and_corrects_without_a_mouse(web, owner, tmp_path):
    photo = tmp_path / "keyboard.png"
    photo.write_bytes(images.number_png("31"))
    log_in(web, owner)
    keyboard_upload(web, photo)
    expect(web.locator("#result-panel .badge", has_text="done")).to_be_visible(timeout=30_000)
    keyboard_correction(web, "31")


def test_it_skips_to_the_content_with_the_first_tab(web, owner):
    log_in(web, owner)
    web.keyboard.press("Tab")
    skip = web.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    web.keyboard.press("Enter")
    expect(web).to_have_url(re.compile(r"#main$"))
