"""The `python -m ml.predict --template/--sheet` contracts that the product relies on."""

import json

import cv2
import numpy as np
import pytest

from ml import worksheets_synth as ws

from .test_predict_cli import run_cli
from .worksheet_helpers import clear_pool


@pytest.fixture(scope="module")
def worksheet_files(clear_digits, tmp_path_factory):
    folder = tmp_path_factory.mktemp("worksheet")
    rng = np.random.default_rng(70)
    blank = ws.make_template(rng, "beside", questions=5)
    filled = ws.fill(rng, blank, clear_pool(clear_digits))
    cv2.imwrite(str(folder / "blank.png"), blank.image)
    (folder / "regions.json").write_text(json.dumps({"regions": blank.regions}))
    (folder / "page.jpg").write_bytes(ws.encode(ws.scan(rng, filled.image)[0]))
    other = ws.fill(rng, ws.make_template(rng, "two_columns", questions=8))
    (folder / "other.jpg").write_bytes(ws.encode(ws.scan(rng, other.image)[0]))
    page, sheet_id, student = ws.sheet_page(rng, clear_pool(clear_digits), questions=6)
    (folder / "sheet.jpg").write_bytes(ws.encode(ws.phone_photo(rng, page.image, megapixels=4)[0]))
    return folder, filled.labels, (sheet_id, student, page.labels)


def rows(done) -> list[dict]:
    return [json.loads(line) for line in done.stdout.splitlines()]


def read_against_template(model_path, folder, *pages):
    """`python -m ml.predict --json` on pages, against the fixture's blank and regions."""
    return run_cli(
        model_path, "--json", "--template", folder / "blank.png", "--regions", folder / "regions.json", *pages
    )


def test_it_prints_one_line_per_page_read_against_the_template(model_path, worksheet_files):
    folder, labels, _ = worksheet_files
    done = read_against_template(model_path, folder, folder / "page.jpg")
    assert done.returncode == 0, done.stderr
    (row,) = rows(done)
    assert list(row) == ["file", "aligned", "alignment", "answers", "needs_review", "elapsed_ms"]
    assert row["file"] == str(folder / "page.jpg") and row["aligned"] is True
    assert [a["number"] for a in row["answers"]] == labels
    assert [list(a) for a in row["answers"]] == [["name", "number", "confidence", "needs_review", "box"]] * 5
    assert all(len(a["box"]) == 4 for a in row["answers"])


def test_it_refuses_a_page_of_another_worksheet_and_exits_1_after_the_rest(model_path, worksheet_files):
    folder, labels, _ = worksheet_files
    done = read_against_template(model_path, folder, folder / "other.jpg", folder / "page.jpg")
    assert done.returncode == 1
    first, second = rows(done)
    assert set(first) == {"file", "aligned", "error"} and first["aligned"] is False
    assert "does not match the template" in first["error"]
    assert [a["number"] for a in second["answers"]] == labels


def test_it_reads_answer_sheets(model_path, worksheet_files):
    folder, _, (sheet_id, student, labels) = worksheet_files
    done = run_cli(model_path, "--json", "--sheet", folder / "sheet.jpg", folder / "page.jpg")
    assert done.returncode == 1  # the worksheet page is no answer sheet
    sheet, page = rows(done)
    assert list(sheet) == ["file", "sheet", "student_id", "answers", "aligned", "needs_review"]
    assert sheet["sheet"] == sheet_id and sheet["student_id"]["number"] == student
    assert [a["number"] for a in sheet["answers"]] == labels
    assert page["aligned"] is False and "markers" in page["error"]


def test_it_stops_at_a_template_that_is_not_an_image(model_path, worksheet_files):
    folder, _, _ = worksheet_files
    done = run_cli(
        model_path,
        "--template",
        folder / "regions.json",
        "--regions",
        folder / "regions.json",
        folder / "page.jpg",
    )
    assert done.returncode == 2 and done.stdout == ""
    assert "template is not an image" in done.stderr


def test_it_stops_at_a_regions_file_that_is_not_json(model_path, worksheet_files, tmp_path):
    folder, _, _ = worksheet_files
    broken = tmp_path / "regions.json"
    broken.write_text("{regions: nope")
    done = run_cli(model_path, "--template", folder / "blank.png", "--regions", broken, folder / "page.jpg")
    assert done.returncode == 2 and "is not JSON" in done.stderr


def test_it_stops_at_boxes_outside_the_template(model_path, worksheet_files, tmp_path):
    folder, _, _ = worksheet_files
    regions = tmp_path / "regions.json"
    regions.write_text(json.dumps({"regions": [{"name": "1", "box": [100, 1700, 200, 90]}]}))
    done = run_cli(model_path, "--template", folder / "blank.png", "--regions", regions, folder / "page.jpg")
    assert done.returncode == 2 and "outside the 1240x1754 template" in done.stderr


def test_it_needs_template_and_regions_together(model_path, worksheet_files):
    folder, _, _ = worksheet_files
    done = run_cli(model_path, "--template", folder / "blank.png", folder / "page.jpg")
    assert done.returncode == 2 and "--template and --regions go together" in done.stderr
