"""Results appear without a reload (static/js/live.js), with the real worker, and polling stops.

Each test opens the page while nothing is read yet, then starts the worker: whatever the
page shows afterwards came from live.js, in the same document.
"""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.helpers import log_in
from tests.browser.test_grading import worksheet
from tests.grading.factories import AssignmentFactory
from tests.predictor import images
from tests.predictor.factories import PredictionFactory, with_audio

pytestmark = pytest.mark.browser
LIVE = re.compile(r"/live/$")


def live_requests(page: Page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url) if LIVE.search(request.url) else None)
    return seen


def mark_document(page: Page) -> None:
    page.evaluate("window.__sameDocument = true")


def assert_same_document(page: Page) -> None:
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"


def upload(page: Page, tmp_path, numbers: list[str]) -> None:
    paths = []
    for number in numbers:
        path = tmp_path / f"photo-{number}.png"
        path.write_bytes(images.mnist_number_png(number))
        paths.append(path)
    page.goto("/predictions/new/")
    page.get_by_label("Photos or scans").set_input_files(paths)
    page.get_by_role("button", name="Upload and read").click()


def test_it_shows_a_reading_and_its_readout_then_stops_polling(web, owner, late_worker, tmp_path):
    log_in(web, owner)
    upload(web, tmp_path, ["427"])
    expect(web).to_have_url(re.compile(r"/predictions/[^/]+/$"))
    panel = web.locator("#result-panel")
    expect(panel.locator(".badge", has_text="waiting")).to_be_visible()
    mark_document(web)
    polls = live_requests(web)
    late_worker.start()
    expect(web.get_by_test_id("shown-number")).to_be_visible(timeout=90_000)
    expect(web.locator("svg[data-testid=boxes] rect").first).to_be_attached()
    expect(web.get_by_test_id("readout")).to_be_attached(timeout=60_000)
    web.wait_for_function("window.digitsightLive.stopped === true", timeout=30_000)
    assert_same_document(web)
    assert polls, "the page never asked for news"
    asked = len(polls)
    web.wait_for_timeout(4_000)  # longer than the longest back-off step (3 s)
    assert len(polls) == asked, "the page kept polling with nothing in flight"


def test_it_keeps_a_half_typed_correction_when_the_readout_arrives(web, owner):
    # Read, readout still to come: the page polls; the teacher starts correcting meanwhile.
    prediction = PredictionFactory(owner=owner, done=True, finished_at=timezone.now())
    log_in(web, owner)
    web.goto(f"/predictions/{prediction.pk}/")
    mark_document(web)
    field = web.get_by_label("Correct reading")
    field.fill("429")
    with_audio(prediction)
    expect(web.get_by_test_id("readout")).to_be_attached(timeout=30_000)
    expect(field).to_have_value("429")
    expect(field).to_be_focused()
    web.wait_for_function("window.digitsightLive.stopped === true", timeout=30_000)
    assert_same_document(web)


def test_it_shows_a_batch_in_history_as_it_is_read(web, owner, late_worker, tmp_path):
    log_in(web, owner)
    upload(web, tmp_path, ["31", "702"])
    expect(web).to_have_url(re.compile(r"/predictions/$"))
    expect(web.get_by_text("0 of 2 read")).to_be_visible()
    mark_document(web)
    late_worker.start()
    rows = web.locator("#history-list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.locator("xpath=self::*[@data-status='done']")).to_have_count(2, timeout=90_000)
    expect(web.get_by_text("of 2 read")).to_have_count(0)
    web.wait_for_function("window.digitsightLive.stopped === true", timeout=30_000)
    assert_same_document(web)


def test_it_updates_the_grading_statistics_as_pages_are_graded(web, owner, late_worker, tmp_path):
    png, labels = worksheet(seed=5)
    # One question more than each page answers: every page is flagged for review.
    assignment = AssignmentFactory(owner=owner, answer_key=[*labels, "99"])
    log_in(web, owner)
    web.goto(f"/assignments/{assignment.pk}/upload/")
    paths = []
    for name in ("ana_lopez", "ben_okafor"):
        path = tmp_path / f"{name}.png"
        path.write_bytes(png)
        paths.append(path)
    web.get_by_label("Worksheets").set_input_files(paths)
    web.get_by_role("button", name="Upload and grade").click()
    expect(web.locator("#submission-rows tr")).to_have_count(2)
    table = web.locator("#question-table tbody tr")
    expect(table.first).to_contain_text("0 / 0")
    expect(web.get_by_role("link", name=re.compile("Next needing review"))).to_have_count(0)
    expect(web.locator("#question-chart")).to_be_hidden()
    mark_document(web)
    late_worker.start()
    graded = web.locator("#submission-rows .badge", has_text="graded")
    expect(graded).to_have_count(2, timeout=90_000)
    expect(table.first).to_contain_text(re.compile(r"\d / 2"))
    expect(table.last).to_contain_text("0 / 2")  # the extra question nobody answered
    expect(web.get_by_role("link", name="Next needing review (2)")).to_be_visible()
    expect(web.locator("#question-chart")).to_be_visible()
    assert web.evaluate("window.digitsightChart().data.labels.length") == len(labels) + 1
    web.wait_for_function("window.digitsightLive.stopped === true", timeout=30_000)
    assert_same_document(web)


def test_it_stops_polling_when_the_reading_is_deleted_elsewhere(web, owner):
    prediction = PredictionFactory(owner=owner)  # no worker: it stays pending
    log_in(web, owner)
    web.goto(f"/predictions/{prediction.pk}/")
    web.wait_for_function("window.digitsightLive.polls >= 1")
    assert web.evaluate("window.digitsightLive.stopped") is False
    prediction.delete()
    web.wait_for_function("window.digitsightLive.stopped === true", timeout=15_000)


def test_it_stops_polling_when_the_session_ends(web, owner):
    prediction = PredictionFactory(owner=owner)
    log_in(web, owner)
    web.goto(f"/predictions/{prediction.pk}/")
    web.wait_for_function("window.digitsightLive.polls >= 1")
    web.context.clear_cookies()
    web.wait_for_function("window.digitsightLive.stopped === true", timeout=15_000)
    expect(web.locator("#result-panel .badge", has_text="waiting")).to_be_visible()
