"""ml.align: registration of scans and phone photos to their blank template, and pages on a table."""

import numpy as np
import pytest

from ml import align
from ml import worksheets_synth as ws

from .worksheet_helpers import mapped


@pytest.fixture(scope="module")
def blank():
    return ws.make_template(np.random.default_rng(31), "beside", questions=6)


def worst_corner_error(blank, photo_gray, scale, truth) -> float:
    """Largest distance (template pixels) between where registration and the truth put the boxes."""
    fit = align.register(photo_gray, blank.image)
    to_photo = np.diag([scale, scale, 1.0]) @ truth  # template -> the decoded (shrunk) photo
    errors = [
        np.abs(mapped(r["box"], fit.homography @ to_photo) - mapped(r["box"], np.eye(3))).max()
        for r in blank.regions
    ]
    return max(errors)


def test_it_recovers_the_boxes_of_a_scan_within_two_pixels(blank):
    rng = np.random.default_rng(1)
    scanned, truth = ws.scan(rng, ws.fill(rng, blank).image)
    gray, scale = align.load_gray(ws.encode(scanned))
    assert worst_corner_error(blank, gray, scale, truth) < 2.0


def test_it_recovers_the_boxes_of_a_phone_photo_within_three_pixels(blank):
    rng = np.random.default_rng(2)
    photo, truth = ws.phone_photo(rng, ws.fill(rng, blank).image, megapixels=6)
    gray, scale = align.load_gray(ws.encode(photo))
    assert max(gray.shape) == align.MAX_SIDE  # decoded at reduced size, not at 6 MP
    assert worst_corner_error(blank, gray, scale, truth) < 3.0


def test_it_reports_a_high_quality_for_the_right_template(blank):
    rng = np.random.default_rng(3)
    scanned, _ = ws.scan(rng, ws.fill(rng, blank).image)
    fit = align.register(scanned, blank.image)
    assert 0.8 < fit.quality <= 1.0


def test_it_refuses_the_page_of_another_worksheet(blank):
    rng = np.random.default_rng(4)
    other = ws.make_template(rng, "two_columns", questions=8)
    scanned, _ = ws.scan(rng, ws.fill(rng, other).image)
    with pytest.raises(align.AlignmentError, match="does not match the template"):
        align.register(scanned, blank.image)


@pytest.mark.parametrize("photo", ["table", "white"])
def test_it_refuses_a_photo_of_no_page(blank, photo):
    rng = np.random.default_rng(5)
    image = (
        ws._table(rng, (900, 700)).astype(np.uint8)
        if photo == "table"
        else np.full((900, 700), 245, np.uint8)
    )
    with pytest.raises(align.AlignmentError, match="does not match the template"):
        align.register(image[..., 0] if image.ndim == 3 else image, blank.image)


def test_it_finds_and_flattens_a_page_lying_on_a_table(blank):
    rng = np.random.default_rng(6)
    photo, truth = ws.phone_photo(rng, blank.image, megapixels=2)
    quad = align.find_page_quad(align._gray_array(photo))
    assert quad is not None
    h, w = blank.image.shape
    expected = mapped([0, 0, w, h], truth)
    assert np.abs(quad - expected).max() < 0.01 * max(photo.shape)
    flat = align.find_page(photo)
    assert abs(flat.shape[0] / flat.shape[1] - h / w) < 0.05


def test_it_does_not_flatten_a_photo_that_is_all_page(blank):
    assert align.find_page(blank.image) is None
    assert align.find_page(np.full((600, 800, 3), 240, np.uint8)) is None


def test_it_gives_a_clear_error_for_bytes_that_are_not_an_image():
    from ml.load import UnreadableImage

    with pytest.raises(UnreadableImage, match="not an image"):
        align.load_gray(b"%PDF-1.4 hello")


def test_plain_reading_flattens_a_page_lying_on_a_table(reader, clear_digits):
    from ml import synth

    from .conftest import digits_for

    rng = np.random.default_rng(9)
    ink = np.zeros((1754, 1240), np.float32)
    places = {"47": (300, 300), "25": (300, 800), "38": (700, 1300)}
    for number, (x, y) in places.items():
        strip, _, _ = synth.lay_out(digits_for(clear_digits, number), rng, synth.Style(gap=(0.2, 0.3)), 150)
        ink[y : y + strip.shape[0], x : x + strip.shape[1]] = strip
    page = (245 * (1 - 0.85 * ink)).astype(np.uint8)
    photo, truth = ws.phone_photo(rng, page, megapixels=3)
    assert align.flatten(photo) is not None
    result = reader.read(ws.encode(photo))
    assert [n["number"] for n in result["numbers"]] == ["47", "25", "38"]
    for number in result["numbers"]:  # boxes are in the photo's own pixels
        x, y = places[number["number"]]
        expected = mapped([x, y, 10, 10], truth)[0]
        assert abs(number["box"][0] - expected[0]) < 60 and abs(number["box"][1] - expected[1]) < 60


def test_it_aligns_a_phone_photo_of_a_page_of_alike_questions(monkeypatch):
    # Every row prints the same question: RANSAC settles on a model that fits
    # part of the page a row off; MAGSAC, asked when the fit covers little of
    # the print, finds the page's own.
    rng = np.random.default_rng(51)
    question = ws._question(rng)

    def same_question(r):
        ws_draws = (r.integers(2, 99), r.integers(2, 99), r.integers(4))  # as many draws as a question
        assert ws_draws
        return question

    monkeypatch.setattr(ws, "_question", same_question)
    blank = ws.make_template(rng, "underline", questions=10)
    photo, truth = ws.phone_photo(rng, blank.image, megapixels=4)
    gray, scale = align.load_gray(ws.encode(photo, rng))
    assert worst_corner_error(blank, gray, scale, truth) < 5.0


@pytest.mark.parametrize("max_side", [2000, 1000])
def test_it_decodes_a_jpeg_to_the_very_pixels_pillows_draft_gives(blank, max_side):
    import io

    from PIL import Image

    photo = ws.encode(ws.phone_photo(np.random.default_rng(6), blank.image, megapixels=6)[0])
    gray, scale = align.load_gray(photo, max_side=max_side)
    with Image.open(io.BytesIO(photo)) as image:
        full = max(image.size)
        image.draft("L", (max_side, max_side))
        pillow = np.asarray(image.convert("L"))
    expected, shrink = align._shrink(pillow, max_side)
    assert np.array_equal(gray, expected)
    assert scale == pytest.approx(shrink * max(pillow.shape) / full)


def test_it_leaves_a_rotated_jpeg_to_pillow_which_turns_it_upright(blank):
    import io

    from PIL import Image

    upright = ws.encode(blank.image)
    with Image.open(io.BytesIO(upright)) as image:
        exif = image.getexif()
        exif[0x0112] = 6  # shot with the phone turned: the pixels must be turned 90 degrees
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=95, exif=exif)
    gray, _ = align.load_gray(buffer.getvalue(), max_side=None)
    assert gray.shape == blank.image.shape[::-1]
