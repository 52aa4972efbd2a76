"""What a new teacher tripped over: phone layouts, error pages, messages and chips that lied."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Profile
from predictor.models import Prediction
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.helpers import assert_accessible, log_in, screenshots
from tests.grading.factories import AssignmentFactory, CollaboratorFactory, graded
from tests.predictor import images
from tests.predictor.factories import PredictionFactory

pytestmark = pytest.mark.browser


def assert_fits(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px on a phone"


def assert_in_view(control) -> None:
    """Visible and entirely inside the phone's width (not clipped by a scrolling box)."""
    expect(control).to_be_visible()
    # No scroll_into_view: it would scroll a table-responsive box sideways and hide the defect.
    box = control.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    clipped = control.evaluate(
        """(el) => {
            const r = el.getBoundingClientRect();
            for (let p = el.parentElement; p; p = p.parentElement) {
                const s = getComputedStyle(p);
                if (s.overflowX === 'visible') continue;
                const q = p.getBoundingClientRect();
                if (r.left < q.left - 0.5 || r.right > q.right + 0.5) return true;
            }
            return false;
        }"""
    )
    assert not clipped, "cut off by a scrolling container"


@pytest.fixture
def classroom(owner):
    assignment = AssignmentFactory(owner=owner, title="Week 3 sums", answer_key=["12", "7", "345"])
    for student, answers in [
        ("Ana Lopez", ["12", "7", "345"]),
        ("Ben Okafor-Whitfield", ["12", ("1", 0.3), "345"]),
        ("Chen Wei", ["17", "7", "346"]),
        ("Dara Nakamura-Oyelaran", ["17", "7", "345"]),
        ("Eli Sørensen", ["17", "9", "345"]),
    ]:
        graded(assignment, answers, student=student)
    for number in ("427", "31", "9058"):
        PredictionFactory(
            owner=owner, done=True, number=number, original_name=f"IMG_20261201_0945{number}_HDR.jpg"
        )
    return assignment


def test_it_fits_groups_history_and_grading_on_a_phone(web, owner, classroom):
    log_in(web, owner)
    web.set_viewport_size(PHONE)

    web.goto(f"/assignments/{classroom.pk}/groups/?q=1")
    assert_fits(web)
    groups = web.get_by_test_id("answer-groups").locator("tbody tr")
    expect(groups).to_have_count(2)
    # The correct answer first although fewer students wrote it, with who wrote it.
    expect(groups.nth(0)).to_contain_text("12")
    expect(groups.nth(0)).to_contain_text("Ana Lopez")
    expect(groups.nth(0)).to_contain_text("Ben Okafor-Whitfield")
    expect(groups.nth(1)).to_contain_text("Chen Wei")
    for name in ("All correct", "All incorrect"):
        for index in range(2):
            assert_in_view(groups.nth(index).get_by_role("button", name=name))
    assert_accessible(web)

    web.goto("/predictions/")
    assert_fits(web)
    first = web.locator("#history-list tbody tr").first
    assert_in_view(first.locator(".badge", has_text="done"))
    assert_in_view(first.locator("time"))
    assert_in_view(first.locator(".digit-chip"))

    web.goto(f"/assignments/{classroom.pk}/")
    assert_fits(web)
    row = web.locator("#submission-rows tr", has_text="Ben Okafor-Whitfield")
    assert_in_view(row.locator(".badge", has_text="needs review"))
    assert_in_view(row.locator(".badge", has_text="graded"))

    web.get_by_role("link", name="Ben Okafor-Whitfield").click()
    assert_fits(web)
    assert_in_view(web.locator(".badge", has_text="low confidence").first)
    assert_in_view(web.get_by_role("button", name="Override").first)
    web.set_viewport_size(DESKTOP)
    screenshots(web, "answer-groups-phone")


def test_it_keeps_the_navigation_on_error_pages(open_page, owner, collaborator, stranger, classroom):
    CollaboratorFactory(assignment=classroom, user=collaborator, role="viewer")
    viewer = open_page()
    log_in(viewer, collaborator)
    viewer.goto(f"/assignments/{classroom.pk}/upload/")
    expect(viewer.get_by_role("heading", name="You can't do that here")).to_be_visible()
    expect(viewer.get_by_text("Your role on this assignment does not allow that.")).to_be_visible()
    assert_accessible(viewer)
    viewer.get_by_role("navigation", name="Main").get_by_role("link", name="Grading").click()
    expect(viewer.get_by_role("link", name="Week 3 sums")).to_be_visible()

    outsider = open_page()
    log_in(outsider, stranger)
    response = outsider.goto(f"/assignments/{classroom.pk}/")
    assert response.status == 404
    expect(outsider.get_by_role("heading", name="This page doesn't exist")).to_be_visible()
    expect(outsider.get_by_text("URLconf")).to_have_count(0)
    assert_accessible(outsider)
    screenshots(outsider, "not-found")
    outsider.get_by_role("link", name="Your history").click()
    expect(outsider.get_by_role("heading", name="Your predictions")).to_be_visible()


def test_it_shows_the_display_name_to_a_collaborator(web, owner, collaborator, classroom):
    Profile.objects.filter(user=owner).update(display_name="Ms Rivera")
    CollaboratorFactory(assignment=classroom, user=collaborator, role="viewer")
    log_in(web, collaborator)
    web.get_by_role("navigation", name="Main").get_by_role("link", name="Grading").click()
    expect(web.get_by_role("row", name=re.compile("Week 3 sums"))).to_contain_text("Ms Rivera")
    expect(web.get_by_text(owner.username, exact=True)).to_have_count(0)


def test_it_keeps_messages_and_chips_true_while_and_after_reading(web, owner, late_worker, tmp_path):
    log_in(web, owner)
    photo = tmp_path / "homework-427.png"
    photo.write_bytes(images.mnist_number_png("427"))
    web.get_by_role("navigation", name="Main").get_by_role("link", name="Upload").click()
    web.get_by_label("Photos or scans").set_input_files(photo)
    web.get_by_role("button", name="Upload and read").click()
    expect(web.get_by_role("alert").filter(has_text="Uploaded “homework-427.png”.")).to_be_visible()
    late_worker.start()
    panel = web.locator("#result-panel")
    expect(panel.locator(".badge", has_text="done")).to_be_visible(timeout=90_000)
    assert Prediction.objects.get().status == "done", late_worker.log()
    # Nothing on the page still says the image is being read.
    expect(web.get_by_text(re.compile("Reading (them|it) now"))).to_have_count(0)
    expect(web.get_by_text("The image is being read")).to_have_count(0)

    field = web.get_by_label("Correct reading")
    field.fill("4281")
    field.press("Enter")
    expect(web.get_by_text("Correction saved.")).to_be_visible()
    chips = web.locator("#result-panel ol .digit-chip")
    expect(chips).to_have_text(["4", "2", "8", "1"])
    expect(web.locator("#result-panel ol").get_by_text("corrected")).to_be_visible()


def test_it_refuses_a_file_over_the_limit_before_sending_it(web, owner, settings, tmp_path):
    settings.DIGITSIGHT_MAX_UPLOAD_BYTES = 1024 * 1024
    big = tmp_path / "IMG_4032x3024.png"
    big.write_bytes(b"\x89PNG" + bytes(1_300_000))
    log_in(web, owner)
    web.goto("/predictions/new/")
    sent = []
    web.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    web.get_by_label("Photos or scans").set_input_files(big)
    web.get_by_role("button", name="Upload and read").click()
    alert = web.get_by_role("alert").filter(has_text="Too large to upload")
    expect(alert).to_contain_text("IMG_4032x3024.png")
    expect(alert).to_contain_text("the limit is 1 MB per file")
    assert not sent and not Prediction.objects.exists()
    assert_accessible(web)
