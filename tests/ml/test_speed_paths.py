"""The reading path's shortcuts: they save time without changing what is read."""

import cv2
import numpy as np

from ml import reader as reader_module
from ml import segment, synth
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
    array, _ = reader_module.load_image(synth.encode(image, None))
    ink = segment.ink_map(array)
    small, mask = segment.rescale(ink, segment.binarize(ink), reader_module.MIN_WORK_SIDE)
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


def test_a_digit_read_surely_whole_is_never_cut(reader, clear_digits, monkeypatch):
    def no_lattice(blob, height):
        if height == float("inf"):  # the whole-blob reading goes through the same lattice
            return original(blob, height)
        raise AssertionError("a blob read surely whole was cut")

    original = segment.lattice
    monkeypatch.setattr(segment, "lattice", no_lattice)
    image = synth.render_number(digits_for(clear_digits, "0"), np.random.default_rng(2), Style(), height=60)
    assert numbers_of(reader.read(synth.encode(image, None))) == ["0"]
