"""The reading path's shortcuts: they save time without changing what is read."""

import io

import cv2
import numpy as np
from PIL import Image, ImageOps

from ml import load, segment, synth
from ml import reader as reader_module
from ml.synth import Style

from .conftest import digits_for, numbers_of


def test_a_page_without_long_horizontal_runs_skips_the_rule_finder_but_still_reads(
    reader, clear_digits, monkeypatch
):
    def no_hough(*args, **kwargs):
        raise AssertionError("HoughLinesP ran on a page with no piece of ink wide enough for a rule")

    monkeypatch.setattr(cv2, "HoughLinesP", no_hough)
    # Which MNIST digits clear_digits picks depends on the model's confidence; with the
    # 2026.12.01 model offset 0 draws digits that leave a flat piece wide enough for the rule
    # finder's pre-check (still read right, but not a page "without long runs"). Offset 1 has none.
    digits = digits_for(clear_digits, "4853", offset=1)
    image = synth.render_number(digits, np.random.default_rng(3), Style(), height=60)
    assert numbers_of(reader.read(synth.encode(image, None))) == ["4853"]


def test_a_ruled_line_still_runs_the_rule_finder(monkeypatch):
    calls = []
    original = cv2.HoughLinesP
    monkeypatch.setattr(cv2, "HoughLinesP", lambda *a, **k: calls.append(1) or original(*a, **k))
    mask = np.zeros((120, 300), np.uint8)
    mask[60:62, 10:290] = 1
    cleaned, _, _ = segment.remove_rules(mask, mask.astype(np.float32))
    assert calls and cleaned.sum() < 0.01 * mask.sum()


def test_large_digits_are_read_at_the_working_height_and_boxed_in_the_original_photo(reader, clear_digits):
    digits = digits_for(clear_digits, "207")
    image = synth.render_number(digits, np.random.default_rng(5), Style(), height=160)
    array, _ = load.load_image(synth.encode(image, None))
    ink = segment.ink_map(array)
    small, mask = segment.rescale(ink, segment.binarize(ink), load.MIN_WORK_SIDE)
    assert small.shape[0] < 0.5 * ink.shape[0]
    assert abs(segment.digit_height(mask) - segment.WORK_HEIGHT) < 0.2 * segment.WORK_HEIGHT

    result = reader.read(synth.encode(image, None))
    assert numbers_of(result) == ["207"]
    x, y, w, h = result["numbers"][0]["box"]
    assert h > 0.6 * 160 and w > 1.2 * 160  # boxes are in the photo's pixels, not the shrunk page's


def test_small_pages_are_never_enlarged_nor_shrunk_below_the_minimum_side():
    mask = np.zeros((112, 112), np.uint8)
    mask[10:100, 40:70] = 1
    ink = mask.astype(np.float32)
    small, _ = segment.rescale(ink, mask, min_side=112)
    assert small.shape == ink.shape
    tiny = np.zeros((30, 30), np.uint8)
    tiny[8:22, 12:18] = 1
    assert segment.rescale(tiny.astype(np.float32), tiny, min_side=0)[0].shape == (30, 30)


def test_it_never_cuts_a_digit_read_surely_whole(reader, clear_digits, monkeypatch):
    def no_lattices(blobs, heights):
        if blobs:
            raise AssertionError("a blob read surely whole was cut")
        return original(blobs, heights)

    original = segment.lattices
    monkeypatch.setattr(segment, "lattices", no_lattices)
    # Through the cuts, not the line model's sure reading, so that the whole-blob check is used.
    monkeypatch.setattr(reader_module, "_sure", lambda reading, group: False)
    image = synth.render_number(
        digits_for(clear_digits, "40"), np.random.default_rng(2), Style(gap=(0.3, 0.4)), height=60
    )
    assert numbers_of(reader.read(synth.encode(image, None))) == ["40"]


def _pillow_decode(data: bytes) -> np.ndarray:
    """load_image's Pillow path: draft decode, EXIF transpose, array."""
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", (load.MAX_WORK_SIDE, load.MAX_WORK_SIDE))
    image.load()
    return load._to_rgb(ImageOps.exif_transpose(image))


def _jpeg(rng, height: int, width: int, grey: bool = False, **params) -> bytes:
    base = cv2.resize(rng.integers(0, 256, (height // 8 + 2, width // 8 + 2, 3), np.uint8), (width, height))
    photo = np.clip(base + rng.normal(0, 12, base.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(photo[..., 0] if grey else photo).save(buffer, "JPEG", **params)
    return buffer.getvalue()


def test_it_decodes_plain_jpegs_with_opencv_to_exactly_pillows_pixels():
    rng = np.random.default_rng(4)
    cases = [
        ((300, 420), {"quality": 90}),
        ((233, 517), {"quality": 60, "subsampling": 0}),
        ((300, 420), {"quality": 75, "subsampling": 1, "progressive": True}),
        ((181, 97), {"quality": 95, "restart_marker_rows": 2}),
        ((2500, 3700), {"quality": 85}),  # decoded at 1/2, as Pillow's draft does
        ((4900, 9700), {"quality": 80}),  # ... at 1/4
    ]
    for (height, width), params in cases:
        for grey in (False, True):
            data = _jpeg(rng, height, width, grey, **params)
            fast = load._plain_jpeg(Image.open(io.BytesIO(data)), io.BytesIO(data))
            assert fast is not None, (height, width, params, grey)
            assert np.array_equal(fast, _pillow_decode(data)), (height, width, params, grey)


def test_it_leaves_cut_short_and_rotated_jpegs_to_pillow():
    data = _jpeg(np.random.default_rng(5), 200, 300, quality=90)
    assert load._plain_jpeg(Image.open(io.BytesIO(data[:-500])), io.BytesIO(data[:-500])) is None
    image = Image.open(io.BytesIO(data))
    exif = image.getexif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=90)
    array, size = load.load_image(buffer.getvalue())
    assert size == (200, 300) and array.shape[:2] == (300, 200)


def _upscaled_number(clear_digits, number: str, side: int) -> bytes:
    """A number photo scaled up until its shorter side is `side` pixels."""
    digits = digits_for(clear_digits, number)
    image = synth.render_number(digits, np.random.default_rng(9), Style(), height=60)
    scale = side / min(image.shape[:2])
    return synth.encode(cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC), 90)


def _without_elapsed(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "elapsed_ms"}


def test_a_large_photo_decoded_at_half_size_reads_as_the_full_size_decode(reader, clear_digits, monkeypatch):
    data = _upscaled_number(clear_digits, "3907", side=2500)
    assert load._draft_scale(*Image.open(io.BytesIO(data)).size) == 2
    reduced = reader.read(data)
    assert numbers_of(reduced) == ["3907"]
    # The Pillow path (draft decode) gives the same pixels, so the very same reading.
    monkeypatch.setattr(load, "_plain_jpeg", lambda image, stream: None)
    assert _without_elapsed(reader.read(data)) == _without_elapsed(reduced)
    monkeypatch.undo()
    monkeypatch.setattr(load, "_draft_scale", lambda width, height, side=None: 1)  # decode at full size
    full = reader.read(data)
    assert numbers_of(full) == numbers_of(reduced)
    assert (full["width"], full["height"]) == (reduced["width"], reduced["height"])


def test_a_photo_with_small_digits_is_decoded_at_full_size(clear_digits):
    # Reduced decoding never shrinks a photo below the working size: a page under twice
    # MAX_WORK_SIDE on a side (its 40 px digits would lose pixels) decodes whole.
    number = synth.render_number(digits_for(clear_digits, "51"), np.random.default_rng(9), Style(), height=40)
    rows, columns = number.shape[:2]
    page = np.pad(number, ((900, 1900 - 900 - rows), (1200, 3000 - 1200 - columns), (0, 0)), "edge")
    data = synth.encode(page, 90)
    assert load._draft_scale(*Image.open(io.BytesIO(data)).size) == 1
    array, _ = load.load_image(data)
    full = cv2.cvtColor(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    assert np.array_equal(array, load._work_size(full))
