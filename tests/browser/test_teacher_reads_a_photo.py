"""A new teacher signs up, uploads a photo, watches it being read, listens, corrects, finds it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from predictor.models import Prediction
from tests.browser.helpers import assert_accessible, screenshots
from tests.live_worker import wait_for
from tests.predictor import images
from tests.predictor.conftest import READER, STANDIN_READER

pytestmark = pytest.mark.browser


def sign_up(page: Page, username: str) -> None:
    page.goto("/accounts/signup/")
    assert_accessible(page)
    screenshots(page, "signup")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Email").fill(f"{username}@school.example")
    page.get_by_label("Password", exact=True).fill("a-long-classroom-passphrase")
    page.get_by_label("Password confirmation").fill("a-long-classroom-passphrase")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("button", name="Log out")).to_be_attached()


def upload_photo(page: Page, tmp_path, number: str) -> None:
    photo = tmp_path / f"homework-{number}.png"
    photo.write_bytes(images.mnist_number_png(number))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Upload").click()
    page.get_by_label("Photos or scans").set_input_files(photo)
    assert_accessible(page)
    screenshots(page, "upload")
    page.get_by_role("button", name="Upload and read").click()
    expect(page).to_have_url(re.compile(r"/predictions/[^/]+/$"))


def watch_it_being_read(page: Page, worker) -> None:
    """The page shows `waiting`; only then the worker starts, and live.js shows `done`."""
    panel = page.locator("#result-panel")
    expect(panel.locator(".badge", has_text="waiting")).to_be_visible()
    page.evaluate("window.__sameDocument = true")
    worker.start()
    expect(panel.locator(".badge", has_text="done")).to_be_visible(timeout=90_000)
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"


def check_boxes_and_confidences(page: Page) -> None:
    boxes = page.locator("svg[data-testid=boxes] rect")
    expect(boxes.first).to_be_attached()
    assert boxes.first.bounding_box()["width"] > 0
    chips = page.locator("#result-panel .digit-chip")
    expect(chips.first).to_be_visible()
    assert chips.count() >= len(page.get_by_test_id("shown-number").inner_text().replace(" ", ""))
    expect(page.locator("#result-panel").get_by_text(re.compile(r"^\d+%$")).first).to_be_visible()


def check_audio_plays(page: Page) -> None:
    audio = page.get_by_test_id("readout")
    expect(audio).to_be_attached(timeout=60_000)
    state = audio.evaluate(
        """async (el) => {
            el.muted = true;
            await el.play();
            await new Promise((done) => setTimeout(done, 300));
            el.pause();
            return {error: el.error && el.error.code, duration: el.duration, ready: el.readyState};
        }"""
    )
    assert state["error"] is None and state["duration"] > 0.2 and state["ready"] >= 1, state


def correct_reading(page: Page, number: str) -> None:
    field = page.get_by_label("Correct reading")
    field.fill(number)
    field.press("Enter")
    expect(page.get_by_text("Correction saved.")).to_be_visible()
    expect(page.get_by_test_id("shown-number")).to_have_text(number)


def find_in_history(page: Page, number: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="History").click()
    page.get_by_label("Number or file name").fill(number)
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("#history-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(number)
    expect(rows.first).to_contain_text("corrected")
    assert_accessible(page)
    screenshots(page, "history")


def test_it_reads_corrects_and_finds_a_photo(web, late_worker, tmp_path):
    sign_up(web, "ms_rivera")
    upload_photo(web, tmp_path, "427")
    watch_it_being_read(web, late_worker)
    prediction = Prediction.objects.get()
    assert prediction.status == "done", late_worker.log()
    if READER != STANDIN_READER:
        assert prediction.number == "427"
    check_boxes_and_confidences(web)
    check_audio_plays(web)
    assert_accessible(web)
    screenshots(web, "detail")
    correct_reading(web, "428")
    wait_for(lambda: Prediction.objects.filter(corrected_number="428").exists(), timeout=5)
    find_in_history(web, "428")
