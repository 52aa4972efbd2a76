"""ml.worksheet: answer areas read against a template, print removal, and DigitSight sheets."""

import cv2
import numpy as np
import pytest

from ml import align, print_removal, sheet_reading, worksheet
from ml import worksheets_synth as ws

from .worksheet_helpers import clear_pool, mapped, read_scanned


@pytest.fixture(scope="module")
def pool(clear_digits):
    return clear_pool(clear_digits)


@pytest.mark.parametrize("layout", ws.LAYOUTS)
def test_it_reads_every_area_of_a_scanned_worksheet(reader, pool, layout):
    seed = 40 + ws.LAYOUTS.index(layout)
    blank, filled, scanned, truth, result = read_scanned(reader, pool, layout, seed, 6)
    assert result["aligned"] and 0 < result["alignment"] <= 1
    assert [a["name"] for a in result["answers"]] == [r["name"] for r in blank.regions]
    assert [a["number"] for a in result["answers"]] == filled.labels
    for answer, region in zip(result["answers"], blank.regions, strict=True):
        assert set(answer) == {"name", "number", "confidence", "needs_review", "box"}
        expected = mapped(region["box"], truth)
        x, y, w, h = answer["box"]
        assert abs(x - expected[:, 0].min()) <= 4 and abs(y - expected[:, 1].min()) <= 4
        assert abs(x + w - expected[:, 0].max()) <= 4 and abs(y + h - expected[:, 1].max()) <= 4
    assert (result["width"], result["height"]) == (scanned.shape[1], scanned.shape[0])


def test_it_reads_a_phone_photo_of_a_worksheet(reader, pool):
    rng = np.random.default_rng(50)
    blank = ws.make_template(rng, "below", questions=5)
    filled = ws.fill(rng, blank, pool, blank_share=0.0)
    photo, _ = ws.phone_photo(rng, filled.image, megapixels=6)
    result = worksheet.read_against_template(reader, ws.encode(photo), blank.image, blank.regions)
    assert [a["number"] for a in result["answers"]] == filled.labels


def test_it_cuts_the_areas_from_a_12_mp_photo_at_its_full_size(reader, pool, monkeypatch):
    # Registered at 2000 px (enough for the print's features), read from every pixel there is.
    rng = np.random.default_rng(52)
    blank = ws.make_template(rng, "beside", questions=5)
    filled = ws.fill(rng, blank, pool, blank_share=0.0)
    photo, truth = ws.phone_photo(rng, filled.image, megapixels=12)
    seen, cut = [], worksheet.cut_areas
    monkeypatch.setattr(
        worksheet, "cut_areas", lambda image, *rest: seen.append(image.shape) or cut(image, *rest)
    )
    result = worksheet.read_against_template(reader, ws.encode(photo), blank.image, blank.regions)
    assert seen == [photo.shape[:2]] and max(photo.shape) > align.MAX_SIDE
    assert [a["number"] for a in result["answers"]] == filled.labels
    assert (result["width"], result["height"]) == (photo.shape[1], photo.shape[0])
    for answer, region in zip(result["answers"], blank.regions, strict=True):
        expected = mapped(region["box"], truth)  # the box in the photo's own pixels
        assert abs(answer["box"][0] - expected[:, 0].min()) <= 8
        assert abs(answer["box"][1] - expected[:, 1].min()) <= 8


def test_it_reads_blank_areas_and_specks_as_nothing(reader):
    rng = np.random.default_rng(51)
    blank = ws.make_template(rng, "beside", questions=5)
    page = blank.image.copy()
    for region in blank.regions[:3]:  # specks and a dot of pencil inside three boxes
        x, y, w, h = region["box"]
        cv2.circle(page, (x + w // 3, y + h // 2), 2, 40, -1)
    scanned, _ = ws.scan(rng, page)
    result = worksheet.read_against_template(reader, scanned, blank.image, blank.regions)
    assert [a["number"] for a in result["answers"]] == [""] * 5
    assert not result["needs_review"]


def test_it_keeps_handwriting_that_spills_over_its_box(reader, pool):
    rng = np.random.default_rng(52)
    blank = ws.make_template(rng, "beside", questions=5)
    ink = np.zeros(blank.image.shape, np.float32)
    x, y, w, h = blank.regions[0]["box"]
    digits = [pool[0][int(np.flatnonzero(pool[1] == d)[0])] for d in (4, 7)]
    strip, _, _ = ws.synth.lay_out(digits, rng, ws.synth.Style(gap=(0.1, 0.1)), int(0.75 * h))
    top = y + h - int(0.8 * strip.shape[0])  # the digits' lower fifth hangs below the box
    ink[top : top + strip.shape[0], x + 20 : x + 20 + strip.shape[1]] = strip
    page = (blank.image * (1 - 0.85 * ink)).astype(np.uint8)
    result = worksheet.read_against_template(reader, page, blank.image, blank.regions)
    assert [a["number"] for a in result["answers"]] == ["47", "", "", "", ""]


def test_it_keeps_strokes_that_cross_a_printed_line():
    printed = np.zeros((80, 200), np.uint8)
    printed[40:43, :] = 1  # an underline or a box's edge
    stroke = np.zeros_like(printed)
    stroke[10:75, 100:105] = 1  # a handwritten 1 drawn through it
    page = printed | stroke
    written = print_removal.remove_print(page, printed, 1.0)
    assert written[10:75, 100:105].all()  # the stroke survives, across the line too
    assert written[:, :90].sum() == 0 and written[:, 115:].sum() == 0  # the line is gone


def test_it_keeps_a_digits_stroke_that_crosses_a_top_border():
    printed = np.zeros((120, 300), np.uint8)
    printed[30:33, 10:290] = 1  # a box's top border
    stroke = np.zeros_like(printed)
    for y in range(10, 100):  # the stem of a 9 leaning right, its loop's top above the box
        x = 150 + (100 - y) // 2
        stroke[y, x - 3 : x + 3] = 1
    page = printed | stroke
    written = print_removal.remove_print(page, printed, 1.6)
    band = slice(26, 38)
    assert written[band][stroke[band] > 0].all()  # the stroke survives where it crosses
    assert written[band, :150].sum() == 0 and written[band, 200:].sum() == 0  # the border is gone


def test_it_keeps_a_stroke_that_lies_along_a_border():
    printed = np.zeros((120, 300), np.uint8)
    printed[20:23, 10:290] = 1  # a box's top border
    loop = np.zeros_like(printed)
    cv2.ellipse(loop, (150, 34), (22, 14), 0, 0, 360, 1, 5)  # the loop of a 9, its top on the border
    page = printed | loop
    written = print_removal.remove_print(page, printed, 1.0)
    top = loop[16:27, 135:166] > 0
    assert written[16:27, 135:166][top].mean() > 0.9  # the loop stays closed
    assert written[15:28, :100].sum() == 0 and written[15:28, 200:].sum() == 0  # the border is gone


def test_it_tells_which_ink_it_kept_only_for_lying_on_a_line():
    printed = np.zeros((120, 300), np.uint8)
    printed[20:23, 10:290] = 1  # a box's top border
    loop = np.zeros_like(printed)
    cv2.ellipse(loop, (150, 34), (22, 14), 0, 0, 360, 1, 5)  # a 9's loop, its top on the border
    page = printed | loop
    written, along = print_removal.remove_print(page, printed, 1.0, unsure=True)
    assert np.array_equal(written, print_removal.remove_print(page, printed, 1.0))
    assert along.any() and not (along & (1 - written)).any()
    assert along[:16].sum() == 0 and along[28:].sum() == 0  # only on the border's band


class _Reader:
    """Reads a set of blobs as the text it was given (blobs stand for their reading here)."""

    review_threshold = 0.9

    def __init__(self):
        self.calls = []

    def read_blob_sets(self, areas):
        self.calls.append(len(areas))
        return [[{"number": text, "confidence": sure, "digits": []}] for (text, sure), _, _ in areas]


def test_it_reads_a_flagged_area_again_without_the_ink_it_kept_on_a_line():
    def alt(text, sure):
        return lambda: ([], (text, sure), (None, None))

    cuts = [
        (("73", 0.6), False, (None, None), alt("13", 0.99)),  # a flag kept from the border: read 13
        (("42", 0.99), False, (None, None), alt("47", 0.99)),  # read surely: left alone
        (("5", 0.5), False, (None, None), alt("5", 0.99)),  # the same either way
        (("8", 0.5), False, (None, None), None),
        (("60", 0.5), False, (None, None), alt("0", 0.4)),  # less sure without: kept
    ]
    reader = _Reader()
    answers = worksheet.read_cuts(reader, cuts)
    assert reader.calls == [5, 3]
    assert [a["number"] for a in answers] == ["13", "42", "5", "8", "60"]
    assert [a["needs_review"] for a in answers] == [True, False, True, True, True]


def test_it_erases_the_sliver_a_thicker_border_leaves():
    printed = np.zeros((120, 300), np.uint8)
    printed[20:100, 250:253] = 1  # a box's right border, as the template prints it
    page = printed.copy()
    page[20:100, 253:258] = 1  # blurred in the photo: thicker, on one side, than its erased band
    page[40:80, 100:107] = 1  # a handwritten 1
    written = print_removal.remove_print(page, printed, 1.0)
    assert written[:, 200:].sum() == 0  # no sliver left to read as a 1
    assert written[40:80, 100:107].all()


def test_it_drops_the_hairline_a_border_leaves_beside_an_answer():
    from ml import segment

    printed = np.zeros((120, 300), bool)
    printed[10:110, 250:253] = True  # a box's right border
    written = np.zeros((120, 300), np.uint8)
    written[15:100, 257:259] = 1  # what the photo's border left beside its erased band
    written[30:90, 236:243] = 1  # a handwritten 1 close to the border
    written[15:100, 100:102] = 1  # a hairline far from any print
    blobs = segment.find_blobs(written, written.astype(np.float32))
    dropped = worksheet._border_remnants(blobs, printed, box_h=100, reach=9)
    assert [(b.x, b.w) for b in dropped] == [(257, 2)]


def test_it_snaps_the_print_onto_a_page_that_is_off_by_two_pixels():
    printed = np.zeros((80, 200), np.uint8)
    printed[30:32, 20:180] = 1
    printed[30:70, 20:22] = 1
    page = np.roll(np.roll(printed, 2, axis=0), -1, axis=1).astype(np.float32)
    snapped = print_removal.snap_print(page, printed, 3)
    assert (snapped == np.roll(np.roll(printed, 2, axis=0), -1, axis=1)).all()


def _box_print(right: int, shape=(100, 260)) -> np.ndarray:
    box = np.zeros(shape, np.uint8)
    box[20:23, 20:right] = box[80:83, 20:right] = 1
    box[20:83, 20:23] = box[20:83, right - 3 : right] = 1
    return box


def test_it_doubts_an_area_whose_print_lies_beside_the_pages_border():
    # The page's box is 8 px narrower than the print laid on it (a phone photo registered a little
    # too large): the right border is left beside its band and read as a 1 after the answer.
    page = _box_print(222)
    assert not print_removal.misfit(page, print_removal.printed_lines(_box_print(222), 1.0))
    assert print_removal.misfit(page, print_removal.printed_lines(_box_print(230), 1.0))
    # A neighbour's line cut by the window's edge is on the page or not by a pixel: not counted.
    neighbour = _box_print(222)
    neighbour[0:2, 20:222] = 1
    assert not print_removal.misfit(page, print_removal.printed_lines(neighbour, 1.0))


@pytest.mark.parametrize("left, doubtful", [(24, True), (120, False)])
def test_it_doubts_a_piece_of_ink_lying_all_along_a_vertical_border(left, doubtful):
    # What is left of a stroke (or of the border) lying along the box's left side reads as a 1.
    from ml import segment

    printed = _box_print(222)
    mask = printed.copy()
    mask[30:75, left : left + 5] = 1  # a stroke touching the left border over its whole length, or not
    written = print_removal.remove_print(mask, printed, 1.0)
    blobs = segment.find_blobs(written, written.astype(np.float32))
    assert blobs
    assert (
        print_removal.along_a_border(blobs, mask, written, print_removal.printed_lines(printed, 1.0), 1.0)
        is doubtful
    )


@pytest.mark.parametrize("line, flagged", [(0.55, True), (0.95, False), (None, False)])
def test_it_flags_an_answer_whose_digits_the_line_model_read_only_hesitantly(line, flagged):
    # Both models read "156", the classifier surely; a 4 the line model barely took for a 1 is doubtful.
    digits = [{"digit": d, "confidence": 0.99} for d in (1, 5, 6)]
    if line is not None:
        digits = [{**c, "line": p} for c, p in zip(digits, (line, 1.0, 1.0), strict=True)]
    number = {"number": "156", "confidence": 0.97, "digits": digits, "agreed": True}
    assert worksheet._answer([number], False, 0.9)["needs_review"] is flagged


def test_it_flags_the_answers_of_a_page_registered_a_little_too_small(reader, pool):
    rng = np.random.default_rng(57)
    blank = ws.make_template(rng, "beside", questions=5)
    filled = ws.fill(rng, blank, pool, blank_share=0.0)
    wider = np.diag([1.02, 1.0, 1.0])  # the page 2% wider than the registration below takes it to be
    page = cv2.warpPerspective(filled.image, wider, filled.image.shape[::-1], borderValue=255)
    prepared = worksheet.prepare_template(blank.image)
    boxes = [[v * prepared.scale for v in r["box"]] for r in blank.regions]
    to_work = np.diag([prepared.scale, prepared.scale, 1.0])
    answers = worksheet.read_areas(reader, page, to_work, prepared.printed, boxes)
    assert all(a["needs_review"] for a in answers), answers
    right = worksheet.read_areas(reader, page, to_work @ np.linalg.inv(wider), prepared.printed, boxes)
    assert [a["number"] for a in right] == filled.labels


def test_it_refuses_a_page_of_another_worksheet(reader, pool):
    rng = np.random.default_rng(53)
    blank = ws.make_template(rng, "beside", questions=6)
    other = ws.fill(rng, ws.make_template(rng, "underline", questions=9), pool)
    result = worksheet.read_against_template(reader, other.image, blank.image, blank.regions)
    assert result["aligned"] is False and "does not match the template" in result["error"]
    assert "answers" not in result


def test_it_refuses_an_unreadable_page_without_raising(reader):
    blank = ws.make_template(np.random.default_rng(54), "beside", questions=5)
    result = worksheet.read_against_template(reader, b"not an image", blank.image, blank.regions)
    assert result == {"aligned": False, "error": result["error"]} and "not an image" in result["error"]


def test_it_rejects_a_template_that_is_not_an_image(reader):
    with pytest.raises(worksheet.TemplateError, match="not an image"):
        worksheet.read_against_template(reader, b"x", b"plain text", [{"name": "1", "box": [0, 0, 5, 5]}])


@pytest.mark.parametrize(
    "regions, message",
    [
        ([{"name": "1", "box": [1200, 10, 100, 40]}], "outside"),
        ([{"name": "1", "box": [10, 10, -5, 40]}], "outside"),
        ([{"name": "1", "box": [10, 10]}], "no box"),
        ([{"name": "1", "box": ["a", 1, 2, 3]}], "not four numbers"),
        ([], "non-empty list"),
    ],
)
def test_it_rejects_regions_that_do_not_fit_the_template(reader, regions, message):
    blank = ws.make_template(np.random.default_rng(55), "beside", questions=5)
    with pytest.raises(worksheet.TemplateError, match=message):
        worksheet.read_against_template(reader, blank.image, blank.image, regions)


def test_it_reads_areas_of_a_page_in_one_batched_call_per_model(reader, pool, monkeypatch):
    rng = np.random.default_rng(56)
    blank = ws.make_template(rng, "beside", questions=8)
    filled = ws.fill(rng, blank, pool, blank_share=0.0)
    calls = []
    original = reader.read_blob_sets
    monkeypatch.setattr(reader, "read_blob_sets", lambda sets: calls.append(len(sets)) or original(sets))
    result = worksheet.read_against_template(reader, filled.image, blank.image, blank.regions)
    # Every area at once; then at most one more call, for the few flagged areas read again
    # without the ink kept on a line (worksheet.read_cuts).
    assert calls[0] == 8 and len(calls) <= 2 and all(n < 8 for n in calls[1:])
    assert [a["number"] for a in result["answers"]] == filled.labels


# ---------------------------------------------------------------------- sheets


def test_it_reads_a_photographed_answer_sheet_from_its_markers_and_qr_code(reader, pool):
    rng = np.random.default_rng(60)
    page, sheet_id, student = ws.sheet_page(rng, pool, questions=12)
    photo, truth = ws.phone_photo(rng, page.image, megapixels=6)
    result = worksheet.read_sheet(reader, ws.encode(photo))
    assert result["aligned"] and result["sheet"] == sheet_id
    assert result["student_id"]["number"] == student
    assert set(result["student_id"]) == {"number", "confidence", "needs_review"}
    assert [a["number"] for a in result["answers"]] == page.labels
    assert [a["name"] for a in result["answers"]] == [str(k) for k in range(1, 13)]
    first = mapped(page.regions[0]["box"], truth)
    assert abs(result["answers"][0]["box"][0] - first[:, 0].min()) < 8


def test_it_says_when_a_photo_holds_no_answer_sheet(reader):
    blank = ws.make_template(np.random.default_rng(61), "beside", questions=5)
    result = worksheet.read_sheet(reader, blank.image)
    assert result == {"aligned": False, "error": result["error"]} and "markers" in result["error"]


def test_it_says_when_the_sheet_qr_code_cannot_be_read(reader, pool):
    from ml import sheet

    rng = np.random.default_rng(62)
    page, _, _ = ws.sheet_page(rng, pool, questions=5)
    image = page.image.copy()
    layout = sheet.SheetLayout(5)
    x, y, s, _ = (round(v * 150 / 72) for v in layout.qr_box())
    image[y : y + s, x - 40 : x + s] = 255  # the QR code torn off
    result = worksheet.read_sheet(reader, image)
    assert result["aligned"] is False and "QR code" in result["error"]


def test_the_sheet_frame_matches_the_markers_to_a_pixel(pool):
    rng = np.random.default_rng(63)
    page, _, _ = ws.sheet_page(rng, pool, questions=8)
    photo, truth = ws.phone_photo(rng, page.image, megapixels=4)
    gray, scale = align.load_gray(photo)
    layout, homography, quality = sheet_reading.find_sheet(gray)
    to_frame = homography @ np.diag([scale, scale, 1.0]) @ truth @ np.diag([150 / 72] * 2 + [1.0])
    frame = sheet_reading.SHEET_DPI / 72
    box = layout.regions()[-1]["box"]
    assert np.abs(mapped(box, to_frame) - mapped([v * frame for v in box], np.eye(3))).max() < 1.5
    assert quality > 0.8


def test_it_erases_a_hint_printed_inside_the_box(reader, pool):
    from PIL import Image, ImageDraw, ImageFont

    rng = np.random.default_rng(57)
    blank = ws.make_template(rng, "beside", questions=5)
    image = Image.fromarray(blank.image)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(ws.fonts()[0]), 30)
    for region in blank.regions:  # a unit printed at the right end of every box
        x, y, w, h = region["box"]
        draw.text((x + w - 50, y + h // 2), "cm", font=font, fill=0, anchor="lm")
    blank = ws.Page(np.asarray(image).copy(), blank.regions)
    filled = ws.fill(rng, blank, pool, blank_share=0.2)
    scanned, _ = ws.scan(rng, filled.image)
    result = worksheet.read_against_template(reader, scanned, blank.image, blank.regions)
    assert [a["number"] for a in result["answers"]] == filled.labels


def test_it_scores_the_print_at_every_shift_as_match_template_does():
    rng = np.random.default_rng(3)
    for reach in (1, 3, 5):
        printed = _box_print(222)
        ink = (rng.random(printed.shape) * 0.3).astype(np.float32)
        ink[12:20, :] += 0.6  # the page's own border, a few pixels off the template's
        inner = printed[reach:-reach, reach:-reach]
        expected = cv2.matchTemplate(ink, inner.astype(np.float32), cv2.TM_CCORR)
        got = print_removal._overlap(ink, inner, reach).reshape(expected.shape)
        assert np.allclose(got, expected, rtol=1e-5)
        assert got.argmax() == expected.argmax()


def test_it_takes_the_30th_percentile_and_run_lengths_as_numpy_does():
    rng = np.random.default_rng(5)
    for n in (20, 21, 37, 400):
        for top in (3, 12, 60):
            values = rng.integers(0, top, n)
            assert print_removal._percentile_30(values) == np.percentile(values, 30)
    mask = (rng.random((60, 90)) < 0.3).astype(np.uint8)
    assert print_removal._run_length(mask, 1) == print_removal._run_length(mask.T.copy())
    near = (rng.random((60, 90)) < 0.5).astype(np.uint8)
    across = print_removal._thicker(mask.T.copy(), near.T.copy()).T
    assert np.array_equal(print_removal._thicker(mask, near, across=1), across)
