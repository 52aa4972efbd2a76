"""ml.sheet: the printable DigitSight answer sheet and its layout."""

import json
import subprocess
import sys

import cv2
import numpy as np
import pypdfium2
import pytest

from ml import sheet

DPI = 144  # render scale 2: one PDF point is two pixels


def render_pdf(pdf: bytes) -> tuple[np.ndarray, tuple[float, float]]:
    document = pypdfium2.PdfDocument(pdf)
    assert len(document) == 1
    page = document[0]
    size = page.get_size()
    image = np.asarray(page.render(scale=DPI / 72).to_pil().convert("L"))
    document.close()
    return image, size


def dark(image: np.ndarray, x: float, y: float) -> bool:
    s = DPI / 72
    return image[round(y * s) - 1 : round(y * s) + 2, round(x * s) - 1 : round(x * s) + 2].min() < 100


@pytest.mark.parametrize("paper, columns, questions", [("a4", 1, 12), ("letter", 2, 40), ("a4", 2, 7)])
def test_the_pdf_renders_with_its_boxes_where_the_layout_says(paper, columns, questions):
    pdf, layout = sheet.build_sheet(questions, id_digits=5, columns=columns, paper=paper, title="Quiz")
    image, size = render_pdf(pdf)
    assert np.allclose(size, layout["paper"], atol=0.5)
    assert [r["name"] for r in layout["regions"]] == ["student_id"] + [str(k + 1) for k in range(questions)]
    student = layout["regions"][0]
    assert len(student["digits"]) == 5
    for x, y, w, h in student["digits"] + [r["box"] for r in layout["regions"][1:]]:
        assert x > 0 and y > 0 and x + w < size[0] and y + h < size[1]
        for px, py in [(x, y + h / 2), (x + w, y + h / 2), (x + w / 2, y), (x + w / 2, y + h)]:
            assert dark(image, px, py), (x, y, w, h)  # the border is drawn where the layout says
        inside = image[
            round((y + 4) * 2) : round((y + h - 4) * 2), round((x + 4) * 2) : round((x + w - 4) * 2)
        ]
        assert inside.min() > 200  # and the inside is empty paper


def test_the_pdf_carries_the_markers_and_the_layout_id_in_its_qr_code():
    pdf, layout = sheet.build_sheet(10, sheet_id="class4b")
    image, _ = render_pdf(pdf)
    detector = cv2.aruco.ArucoDetector(cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50))
    _, ids, _ = detector.detectMarkers(image)
    assert sorted(ids.ravel().tolist()) == [0, 1, 2, 3]
    text, _, _ = cv2.QRCodeDetector().detectAndDecode(image)
    assert text == layout["id"] == "DS1-a4-q10-i6-c1-class4b"
    assert sheet.SheetLayout.from_id(text).to_dict() == layout


def test_the_layout_id_describes_the_whole_geometry():
    one = sheet.SheetLayout(25, 4, 2, "letter", "x1")
    assert sheet.SheetLayout.from_id(one.id) == one
    with pytest.raises(sheet.SheetError, match="not a DigitSight sheet"):
        sheet.SheetLayout.from_id("https://example.com/")


def test_a_random_id_is_given_when_none_is_asked_for():
    _, first = sheet.build_sheet(5)
    _, second = sheet.build_sheet(5)
    assert first["id"] != second["id"] and first["id"].startswith("DS1-a4-q5-i6-c1-")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"questions": 0}, "1 to 40"),
        ({"questions": 41, "columns": 2}, "1 to 40"),
        ({"questions": 25, "columns": 1}, "two columns"),
        ({"questions": 5, "columns": 3}, "1 or 2 columns"),
        ({"questions": 5, "paper": "a3"}, "paper"),
        ({"questions": 5, "sheet_id": "no spaces please"}, "sheet id"),
    ],
)
def test_it_refuses_sheets_it_cannot_make(kwargs, message):
    with pytest.raises(sheet.SheetError, match=message):
        sheet.build_sheet(**kwargs)


def test_the_cli_writes_the_pdf_and_the_layout(tmp_path):
    out, layout = tmp_path / "sheet.pdf", tmp_path / "layout.json"
    args = [
        "--questions",
        "30",
        "--id-digits",
        "7",
        "--columns",
        "2",
        "--paper",
        "letter",
        "--title",
        "Test 2",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "ml.sheet", *args, "--out", out, "--layout", layout],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(layout.read_text())
    assert set(data) == {"paper", "id", "regions"} and data["paper"] == [612.0, 792.0]
    assert len(data["regions"]) == 31 and len(data["regions"][0]["digits"]) == 7
    assert out.read_bytes().startswith(b"%PDF")


def test_the_cli_explains_a_sheet_it_cannot_make(tmp_path):
    args = ["--questions", "50", "--out", tmp_path / "s.pdf", "--layout", tmp_path / "l.json"]
    done = subprocess.run([sys.executable, "-m", "ml.sheet", *args], capture_output=True, text=True)
    assert done.returncode == 2 and "1 to 40" in done.stderr
    assert not (tmp_path / "s.pdf").exists()
