"""ml.sheet_reading: a DigitSight sheet's QR code and student ID boxes, read from a photo."""

import cv2
import numpy as np
import pytest

from ml import segment, sheet, sheet_reading
from ml import worksheets_synth as ws

from .worksheet_helpers import clear_pool


@pytest.fixture(scope="module")
def pool(clear_digits):
    return clear_pool(clear_digits)


def blobs_of(mask: np.ndarray) -> list:
    return segment.find_blobs(mask.astype(np.uint8), mask.astype(np.float32))


def digit_mask(digit: np.ndarray, size: int = 60) -> np.ndarray:
    """A 28x28 MNIST digit as it lies in an ID box read at the sheet's scale."""
    canvas = np.zeros((100, 100), np.uint8)
    big = cv2.resize(digit, (size, size), interpolation=cv2.INTER_LINEAR) > 100
    canvas[20 : 20 + size, 20 : 20 + size] = big
    return canvas


def test_it_reads_an_id_box_cut_into_several_digits_as_one(reader, clear_digits):
    blobs = blobs_of(digit_mask(clear_digits[0][0]))
    read = sheet_reading._one_digit(reader, (blobs, False), {"number": "107", "needs_review": True})
    assert read["number"] == "0"
    assert read["needs_review"] is (read["confidence"] < reader.review_threshold)


def test_it_drops_a_remnant_beside_the_id_digit_and_flags_the_box(reader, clear_digits):
    mask = digit_mask(clear_digits[4][0])
    mask[15:85, 88:91] = 1  # what a neighbouring box's border left
    blobs = blobs_of(mask)
    assert len(blobs) == 2
    read = sheet_reading._one_digit(reader, (blobs, False), {"number": "41", "needs_review": True})
    assert read == {"number": "4", "confidence": read["confidence"], "needs_review": True}


def test_it_keeps_an_id_box_read_as_one_digit(reader, clear_digits):
    answer = {"number": "7", "confidence": 0.99, "needs_review": False}
    blobs = blobs_of(digit_mask(clear_digits[1][0]))
    assert sheet_reading._one_digit(reader, (blobs, False), answer) is answer


def test_it_reads_an_unevenly_lit_blurred_qr_code(pool):
    rng = np.random.default_rng(62)
    page, sheet_id, _ = ws.sheet_page(rng, pool, questions=5)
    x, y, s, _ = (round(v * 150 / 72) for v in sheet.SheetLayout(5).qr_box())
    image = page.image.astype(np.float32)
    window = (slice(y - 20, y + s + 20), slice(x - 20, x + s + 20))
    code = cv2.GaussianBlur(image[window], (0, 0), 1.0)
    image[window] = code * np.linspace(1.0, 0.7, code.shape[1])[None, :]  # a shadow across it
    image = np.clip(image, 0, 255).astype(np.uint8)
    assert cv2.QRCodeDetector().detectAndDecode(image)[0] == ""
    assert sheet_reading._qr_text(image, sheet_reading._markers(image)) == sheet_id


def test_it_cuts_the_boxes_from_the_photo_at_its_full_size(reader, pool, monkeypatch):
    # A 12 MP photo decoded at 2000 px leaves a sheet's small digits too few pixels; the
    # markers are found at that size, but the boxes are cut from the full-size photo.
    from ml import align, worksheet

    from .worksheet_helpers import mapped

    rng = np.random.default_rng(64)
    page, sheet_id, student = ws.sheet_page(rng, pool, questions=6)
    photo, truth = ws.phone_photo(rng, page.image, megapixels=12)
    seen, cut = [], sheet_reading.cut_areas
    monkeypatch.setattr(
        sheet_reading, "cut_areas", lambda image, *rest: seen.append(image.shape) or cut(image, *rest)
    )
    result = worksheet.read_sheet(reader, ws.encode(photo))
    assert seen == [photo.shape[:2]] and max(photo.shape) > align.MAX_SIDE
    assert result["sheet"] == sheet_id and result["student_id"]["number"] == student
    assert [a["number"] for a in result["answers"]] == page.labels
    assert (result["width"], result["height"]) == (photo.shape[1], photo.shape[0])
    for answer, region in zip(result["answers"], page.regions, strict=True):
        corners = mapped(region["box"], truth)  # the box in the photo's own pixels
        assert abs(answer["box"][0] - corners[:, 0].min()) < 8
        assert abs(answer["box"][1] - corners[:, 1].min()) < 8


@pytest.mark.parametrize(
    ("questions", "id_digits", "columns", "paper"), [(5, 6, 1, "a4"), (40, 12, 2, "letter")]
)
def test_it_masks_the_print_of_every_box_window_as_the_whole_sheet_prints_it(
    questions, id_digits, columns, paper
):
    # The reader draws only the boxes (the markers, QR code, title and numbers lie outside
    # every window): inside each window the mask must be the whole page's, pixel for pixel.
    from ml import worksheet

    layout = sheet.SheetLayout(questions, id_digits, columns, paper, "t1")
    whole = worksheet.print_mask(sheet.render(layout, sheet_reading.SHEET_DPI, title="Unit test 7"))
    boxes = sheet_reading._sheet_print(layout.id)
    scale = sheet_reading.SHEET_DPI / 72
    regions = layout.regions()
    windows = [b for r in regions[:1] for b in r["digits"]] + [r["box"] for r in regions[1:]]
    for x, y, w, h in ([v * scale for v in box] for box in windows):
        pad_x, pad_y = worksheet.SPILL_X * h + 3, worksheet.SPILL_Y * h + 3
        rows = slice(max(0, int(y - pad_y)), int(y + h + pad_y) + 2)
        cols = slice(max(0, int(x - pad_x)), int(x + w + pad_x) + 2)
        assert np.array_equal(boxes[rows, cols], whole[rows, cols])
    assert boxes.sum() < whole.sum()  # and nothing else is drawn
