"""ml.regions: answer areas proposed on blank worksheets, in reading order."""

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from ml import regions
from ml import worksheets_synth as ws


def close(found: list[int], expected: list[int], tolerance: int) -> bool:
    return max(abs(a - b) for a, b in zip(found, expected, strict=True)) <= tolerance


# A table: every cell is framed, and the number, question and header cells hold print. Grey
# rounded: borders printed light grey (up to 170, not ink at INK) whose corners are arcs.
@pytest.mark.parametrize("layout", ["beside", "below", "two_columns", "table", "grey_rounded"])
def test_it_proposes_the_boxes_in_reading_order(layout):
    for seed in (1, 2):
        blank = ws.make_template(np.random.default_rng(seed), layout)
        found = regions.propose_regions(blank.image)
        assert [r["name"] for r in found] == [str(k + 1) for k in range(len(blank.regions))]
        for region, expected in zip(found, blank.regions, strict=True):
            assert close(region["box"], expected["box"], 6), (region, expected)


def test_it_numbers_two_columns_down_the_left_column_first():
    blank = ws.make_template(np.random.default_rng(3), "two_columns", questions=8)
    found = regions.propose_regions(blank.image)
    lefts = [r["box"][0] for r in found]
    assert max(lefts[:4]) < min(lefts[4:])  # 1-4 on the left, 5-8 on the right
    tops = [r["box"][1] for r in found]
    assert tops[:4] == sorted(tops[:4]) and tops[4:] == sorted(tops[4:])


def test_it_proposes_the_writing_space_above_underlined_blanks():
    blank = ws.make_template(np.random.default_rng(4), "underline", questions=6)
    found = regions.propose_regions(blank.image)
    assert len(found) == 6  # the "Name: ____" line at the top is not an answer
    for region, expected in zip(found, blank.regions, strict=True):
        x, y, w, h = region["box"]
        ex, ey, ew, eh = expected["box"]
        line = ey + eh - 8  # where the generator drew the underline
        assert abs(x - ex) <= 3 and abs(w - ew) <= 4
        assert y + h >= line and y <= line - 40  # ends just under the line, room to write above it


def test_it_ignores_letters_markers_and_qr_codes():
    from ml import sheet

    layout = sheet.SheetLayout(10, id_digits=5, columns=2)
    found = regions.propose_regions(sheet.render(layout, 150, title="Fractions 0-9 & more"))
    assert len(found) == 5 + 10  # the ID boxes and the answer boxes, nothing else


def test_it_ignores_the_counter_of_a_big_printed_zero():
    """A title's "0" is taller than the body text, and FreeSans frames its inside with straight
    strokes: 12 x 24 px, as tall as a character, once proposed as a rounded box."""
    from PIL import Image, ImageDraw, ImageFont

    font = next((path for path in ws.fonts() if path.name == "FreeSans.ttf"), None)
    if font is None:
        pytest.skip("FreeSans is not installed (fonts-freefont-ttf)")
    blank = ws.make_template(np.random.default_rng(1), "beside")
    page = Image.fromarray(blank.image.copy())
    draw = ImageDraw.Draw(page)
    draw.rectangle([90, 70, 1200, 140], fill=255)
    draw.text((100, 80), "Worksheet 10: practice", font=ImageFont.truetype(str(font), 44), fill=0)
    found = regions.propose_regions(np.asarray(page))
    assert len(found) == len(blank.regions), [r["box"] for r in found]


def test_it_proposes_nothing_on_a_blank_page():
    assert regions.propose_regions(np.full((800, 600), 255, np.uint8)) == []


def test_the_cli_prints_a_regions_json(tmp_path):
    blank = ws.make_template(np.random.default_rng(5), "beside", questions=5)
    path = tmp_path / "blank.png"
    cv2.imwrite(str(path), blank.image)
    done = subprocess.run(
        [sys.executable, "-m", "ml.regions", "--json", path], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert list(data) == ["regions"] and len(data["regions"]) == 5
    assert set(data["regions"][0]) == {"name", "box"}


def test_the_cli_refuses_a_file_that_is_not_an_image(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not an image")
    done = subprocess.run(
        [sys.executable, "-m", "ml.regions", "--json", path], capture_output=True, text=True
    )
    assert done.returncode == 1
    assert "not an image" in json.loads(done.stdout)["error"]


def test_it_proposes_the_writing_space_above_dotted_and_dashed_lines():
    # "........ cm": a row of dots or dashes, a printed unit after it; not the "Name: ____" line.
    for seed in (7, 8, 9):
        blank = ws.make_template(np.random.default_rng(seed), "dotted_unit", questions=6)
        found = regions.propose_regions(blank.image)
        assert len(found) == 6
        for region, expected in zip(found, blank.regions, strict=True):
            x, y, w, h = region["box"]
            ex, ey, ew, eh = expected["box"]
            line = ey + eh - 8  # where the generator drew the dots
            assert abs(x - ex) <= 6 and abs(x + w - ex - ew) <= 8
            assert y + h >= line and y <= line - 40


def test_it_still_finds_black_boxes_on_grey_paper():
    blank = ws.make_template(np.random.default_rng(1), "beside")
    grey = (blank.image.astype(np.float32) * 0.78).astype(np.uint8)  # paper 199, print black
    found = regions.propose_regions(grey)
    assert len(found) == len(blank.regions)
    for region, expected in zip(found, blank.regions, strict=True):
        assert close(region["box"], expected["box"], 6), (region, expected)
