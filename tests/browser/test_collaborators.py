"""The owner shares an assignment as viewer; the co-teacher sees it but cannot change it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from grading.models import Collaborator
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.helpers import assert_accessible, log_in, screenshots
from tests.grading.factories import AssignmentFactory, graded

pytestmark = pytest.mark.browser


def share_as_viewer(page: Page, owner, collaborator, title: str) -> None:
    log_in(page, owner)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Collaborators").click()
    page.get_by_label("Assignment").select_option(label=title)
    page.get_by_label("Username or e-mail").fill(collaborator.email)
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_role("button", name="Share").click()
    expect(page.get_by_text(f"Shared with {collaborator.username}.")).to_be_visible()
    assert_accessible(page)
    screenshots(page, "collaborators")
    assert_fits_a_phone(page, page.get_by_role("button", name="Remove"))


def assert_fits_a_phone(page: Page, control) -> None:
    page.set_viewport_size(PHONE)
    box = control.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    page.set_viewport_size(DESKTOP)


def post_override(page: Page, submission) -> int:
    """A hand-made override request from the viewer's own session, with a valid CSRF token."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"/submissions/{submission.pk}/override/",
        form={"question": "1", "predicted": "99", "verdict": "correct"},
        headers={"X-CSRFToken": token, "Referer": page.url},
    )
    return response.status


def browse_as_viewer(page: Page, collaborator) -> None:
    log_in(page, collaborator)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Grading").click()
    expect(page.get_by_text("shared")).to_be_visible()
    page.get_by_role("link", name="Fractions quiz").click()
    expect(page.get_by_text("you are viewer")).to_be_visible()
    expect(page.get_by_role("link", name="Upload pages")).to_have_count(0)
    expect(page.get_by_role("link", name="Edit key")).to_have_count(0)
    page.get_by_role("link", name="Chen Wei").click()
    expect(page.get_by_role("cell", name="345").first).to_be_visible()
    expect(page.get_by_role("button", name="Override")).to_have_count(0)
    expect(page.get_by_role("button", name="Rename")).to_have_count(0)
    assert_accessible(page)
    screenshots(page, "submission-viewer")


def test_it_shows_a_shared_assignment_read_only(open_page, owner, collaborator):
    assignment = AssignmentFactory(owner=owner, title="Fractions quiz")
    submission = graded(assignment, ["12", "8", "345"], student="Chen Wei")
    share_as_viewer(open_page(), owner, collaborator, "Fractions quiz")
    assert Collaborator.objects.get(assignment=assignment).user == collaborator
    viewer_page = open_page()
    browse_as_viewer(viewer_page, collaborator)
    assert post_override(viewer_page, submission) == 403
    submission.refresh_from_db()
    assert not any(answer["overridden"] for answer in submission.answers)
