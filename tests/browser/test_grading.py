"""A teacher creates an assignment, uploads a class, overrides an answer and exports grades."""

from __future__ import annotations

import csv
import io
import re

import cv2
import numpy as np
import pytest
from playwright.sync_api import Page, expect

from grading.models import Submission
from tests.browser.helpers import assert_accessible, log_in, screenshots

pytestmark = pytest.mark.browser
STUDENTS = ("ana_lopez", "ben_okafor")


def worksheet(seed: int) -> tuple[bytes, list[str]]:
    """MNIST test digits, one number per line (ml.synth); a font if MNIST is not cached."""
    rng = np.random.default_rng(seed)
    try:
        from ml import synth

        numbers = [synth.pick_digits(rng, count) for count in (2, 1, 3)]
        image = synth.render_worksheet([digits for digits, _ in numbers], rng, synth.Style(), height=48)
        return synth.encode(image, quality=None), [label for _, label in numbers]
    except Exception:  # no MNIST cache on this machine
        labels = ["12", "7", "345"]
        canvas = np.full((360, 400), 255, np.uint8)
        for line, text in enumerate(labels):
            cv2.putText(canvas, text, (30, 90 + 110 * line), cv2.FONT_HERSHEY_SIMPLEX, 2.5, 0, 8)
        return cv2.imencode(".png", canvas)[1].tobytes(), labels


def create_assignment(page: Page, key: list[str]) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Grading").click()
    page.get_by_role("link", name="New assignment").click()
    page.get_by_label("Title").fill("Week 3 sums")
    page.get_by_label("Class name").fill("5B")
    page.get_by_label("Answer key").fill("\n".join(key))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Upload the class's worksheets")).to_be_visible()


def upload_class(page: Page, tmp_path, png: bytes) -> None:
    pages = []
    for name in STUDENTS:
        path = tmp_path / f"{name}.png"
        path.write_bytes(png)
        pages.append(path)
    page.get_by_label("Worksheets").set_input_files(pages)
    assert_accessible(page)
    screenshots(page, "class-upload")
    page.get_by_role("button", name="Upload and grade").click()
    rows = page.locator("#submission-rows tr")
    expect(rows).to_have_count(2)
    for student in ("Ana Lopez", "Ben Okafor"):
        expect(rows.filter(has_text=student)).to_contain_text(re.compile(r"graded|failed"), timeout=30_000)


def override_first_answer(page: Page, expected: str) -> None:
    page.get_by_role("link", name="Ana Lopez").click()
    expect(page.locator("figure.page-figure img")).to_be_visible()
    assert_accessible(page)
    screenshots(page, "submission")
    page.locator("#pred-1").fill(expected)
    page.locator("#verdict-1").select_option("correct")
    page.get_by_role("button", name="Override").first.click()
    expect(page.get_by_text("Question 1 updated.")).to_be_visible()
    expect(page.get_by_text("overridden").first).to_be_visible()


def export_csv(page: Page) -> list[dict]:
    page.get_by_role("link", name="Week 3 sums").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Grades CSV").click()
    assert download.value.suggested_filename.endswith(".csv")
    text = download.value.path().read_text(encoding="utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_it_grades_a_class_and_exports_the_grades(web, owner, tmp_path):
    png, key = worksheet(seed=7)
    log_in(web, owner)
    create_assignment(web, key)
    upload_class(web, tmp_path, png)
    assert_accessible(web)
    screenshots(web, "grading")
    override_first_answer(web, key[0])
    ana = Submission.objects.get(student="Ana Lopez")
    assert ana.answers[0]["overridden"] and ana.answers[0]["correct"]
    rows = export_csv(web)
    assert [row["student"] for row in sorted(rows, key=lambda r: r["student"])] == ["Ana Lopez", "Ben Okafor"]
    ana_row = next(row for row in rows if row["student"] == "Ana Lopez")
    assert float(ana_row["score"]) == ana.score >= 1


def test_it_lists_assignments_accessibly(web, owner):
    log_in(web, owner)
    web.goto("/assignments/")
    assert_accessible(web)
    screenshots(web, "assignments-empty")
    web.get_by_role("link", name="New assignment").click()
    web.get_by_role("button", name="Save").click()
    expect(web.locator(".invalid-feedback").first).to_be_visible()
    assert_accessible(web)
    screenshots(web, "assignment-form-errors")
