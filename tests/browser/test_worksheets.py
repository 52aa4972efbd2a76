"""The regions editor and grading by question, in headless Chromium: mouse, keyboard only, axe."""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from grading.models import Submission
from tests.browser.helpers import assert_accessible, focus_is_visible, log_in, screenshots, tab_to
from tests.grading.factories import AssignmentFactory
from tests.worksheets.factories import WorksheetFactory, area_graded
from worksheets.models import Worksheet

pytestmark = pytest.mark.browser


@pytest.fixture
def blank_png(tmp_path):
    from ml import worksheets_synth as ws

    blank = ws.make_template(np.random.default_rng(0), "beside", questions=3)
    path = tmp_path / "blank.png"
    path.write_bytes(ws.encode(blank.image))
    return path


def rows(page: Page):
    return page.locator("#regions-table tbody tr")


def field(page: Page, row: int, name: str):
    return (
        rows(page).nth(row).locator("input").nth(["name", "answer", "points", "x", "y", "w", "h"].index(name))
    )


def drag(page: Page, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    for step in range(1, 6):
        page.mouse.move(start[0] + (end[0] - start[0]) * step / 5, start[1] + (end[1] - start[1]) * step / 5)
    page.mouse.up()


def test_it_proposes_edits_saves_and_reloads_the_areas(web, owner, blank_png):
    assignment = AssignmentFactory(owner=owner)
    web.set_viewport_size({"width": 1280, "height": 2000})  # the whole page in view, for the mouse
    log_in(web, owner)
    web.goto(f"/assignments/{assignment.pk}/worksheet/")
    web.locator("#template-file").set_input_files(blank_png)
    web.get_by_role("button", name="Upload and propose areas").click()
    expect(web.locator("#editor-status")).to_contain_text("3 answer area(s) proposed")
    expect(rows(web)).to_have_count(3)
    assert_accessible(web)

    # Move area 1 to the right with the mouse.
    x_before = int(field(web, 0, "x").input_value())
    box = web.locator("#regions-layer .area").nth(0).locator("rect.box").bounding_box()
    centre = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    drag(web, centre, (centre[0] + 40, centre[1]))
    assert int(field(web, 0, "x").input_value()) > x_before

    # Draw a new area in the empty bottom of the page, then delete area 2.
    svg = web.locator("#regions-svg").bounding_box()
    bottom = (svg["x"] + svg["width"] * 0.3, svg["y"] + svg["height"] * 0.9)
    drag(web, bottom, (bottom[0] + 80, bottom[1] + 30))
    expect(rows(web)).to_have_count(4)
    assert field(web, 3, "name").input_value() == "4"
    web.get_by_role("button", name="Delete area 2").click()
    expect(rows(web)).to_have_count(3)

    for row, answer in enumerate(["19", "7", "3.5"]):
        field(web, row, "answer").fill(answer)
        field(web, row, "answer").dispatch_event("change")
    web.get_by_role("button", name="Renumber in reading order").click()
    web.get_by_role("button", name="Save areas and key").click()
    expect(web.locator("#editor-status")).to_contain_text("Saved 3 answer area(s)")

    web.reload()
    expect(rows(web)).to_have_count(3)
    assert [field(web, r, "name").input_value() for r in range(3)] == ["1", "2", "3"]
    worksheet = Worksheet.objects.get(pk=assignment.pk)
    assignment.refresh_from_db()
    assert sorted(assignment.answer_key) == ["19", "3.5", "7"]
    assert worksheet.regions[0]["box"][0] > x_before - 1
    assert_accessible(web)
    screenshots(web, "regions-editor")


def test_it_edits_the_areas_with_the_keyboard_alone(web, owner):
    worksheet = WorksheetFactory(assignment__owner=owner)
    log_in(web, owner)
    web.goto(f"/assignments/{worksheet.pk}/worksheet/")
    expect(rows(web)).to_have_count(3)

    tab_to(web, "#add-area")
    assert focus_is_visible(web)
    web.keyboard.press("Enter")
    expect(rows(web)).to_have_count(4)
    assert web.evaluate("document.activeElement.dataset.field") == "answer"
    web.keyboard.type("42")
    web.keyboard.press("Tab")  # leaving the field commits it

    tab_to(web, "#regions-layer .area[data-index='0']")
    x_before = worksheet.regions[0]["box"][0]
    web.keyboard.press("ArrowRight")
    web.keyboard.press("Shift+ArrowDown")
    assert field(web, 0, "x").input_value() == str(x_before + 10)
    tab_to(web, "#regions-layer .area[data-index='1']")
    web.keyboard.press("Delete")
    expect(rows(web)).to_have_count(3)

    tab_to(web, "#save-areas")
    web.keyboard.press("Enter")
    expect(web.locator("#editor-status")).to_contain_text("Saved 3 answer area(s)")
    worksheet.refresh_from_db()
    assert [r["name"] for r in worksheet.regions] == ["1", "3", "4"]
    assert worksheet.regions[0]["box"][0] == x_before + 10
    assert worksheet.regions[0]["box"][3] == 50
    assert worksheet.regions[2]["answer"] == "42"
    worksheet.assignment.refresh_from_db()
    assert worksheet.assignment.answer_key == ["12", "345", "42"]


def test_it_says_why_areas_were_not_saved(web, owner):
    worksheet = WorksheetFactory(assignment__owner=owner)
    log_in(web, owner)
    web.goto(f"/assignments/{worksheet.pk}/worksheet/")
    field(web, 1, "name").fill("1")
    field(web, 1, "name").dispatch_event("change")
    web.get_by_role("button", name="Save areas and key").click()
    expect(web.locator("#editor-status")).to_contain_text("1 appears more than once")
    worksheet.refresh_from_db()
    assert [r["name"] for r in worksheet.regions] == ["1", "2", "3"]


def test_it_grades_one_question_across_the_class_by_keyboard(web, owner):
    worksheet = WorksheetFactory(assignment__owner=owner)
    ana = area_graded(worksheet, ["12", ("7", 0.5), "345"], student="Ana")
    bo = area_graded(worksheet, ["12", "1", "345"], student="Bo")
    cy = area_graded(worksheet, ["12", "7", "345"], student="Cy")
    log_in(web, owner)
    web.goto(f"/assignments/{worksheet.pk}/questions/2/")
    expect(web.locator(".grid-card")).to_have_count(3)
    expect(web.locator("section h2").first).to_contain_text("Ana, Cy")
    assert_accessible(web)
    screenshots(web, "question-grid")

    tab_to(web, ".grid-answer")
    assert focus_is_visible(web)
    web.keyboard.press("Enter")  # Ana: accept the doubtful reading "7"
    expect(web.locator(f"#answer-{cy.pk}")).to_be_focused()
    web.keyboard.press("-")  # Cy: mark incorrect whatever the key says
    expect(web.locator(f"#answer-{bo.pk}")).to_be_focused()
    web.keyboard.press("ControlOrMeta+A")
    web.keyboard.type("7")
    web.keyboard.press("Enter")  # Bo: the teacher reads a 7, not a 1
    expect(web.locator(f".grid-card[data-submission='{bo.pk}'] .mark")).to_have_text("correct overridden")

    marks = {s.student: s.answers[1] for s in Submission.objects.filter(pk__in=[ana.pk, bo.pk, cy.pk])}
    assert (
        marks["Ana"]["correct"]
        and marks["Ana"]["overridden"]
        and "low_confidence" not in marks["Ana"]["flags"]
    )
    assert marks["Bo"]["predicted"] == "7" and marks["Bo"]["correct"]
    assert not marks["Cy"]["correct"]


def test_it_shows_a_worksheet_page_with_its_areas_crops_and_the_student_picker(web, owner):
    from tests.worksheets.factories import RosterStudentFactory

    worksheet = WorksheetFactory(assignment__owner=owner)
    RosterStudentFactory(owner=owner, name="Ana Lopez", student_id="123456")
    page = area_graded(worksheet, ["12", "1", "345"], student="Page 1")
    log_in(web, owner)
    web.goto(f"/submissions/{page.pk}/")
    expect(web.locator("figure svg rect")).to_have_count(3)
    expect(web.get_by_role("img", name="The answer written for 2")).to_be_visible()
    assert_accessible(web)
    screenshots(web, "worksheet-submission")
    assert web.locator("#roster-names option").evaluate_all("o => o.map(x => x.value)") == [
        "Ana Lopez (123456)"
    ]
    web.get_by_label("Student from the class list").fill("Ana Lopez (123456)")
    web.get_by_role("button", name="Set student").click()
    expect(web.get_by_role("heading", level=1)).to_contain_text("Ana Lopez")
    page.refresh_from_db()
    assert page.roster_student.student_id == "123456"
