"""A slanted line of writing on a plain page is turned level before it is read (ml.skew)."""

from __future__ import annotations

import numpy as np
import pytest

from ml import segment, skew, synth
from ml.load import MIN_WORK_SIDE, load_image

from .conftest import digits_for, numbers_of


def _page(clear_digits, number: str, angle: float, seed: int = 3):
    rng = np.random.default_rng(seed)
    style = synth.Style(angle=angle, size_jitter=0.05, baseline_jitter=0.02)
    return synth.encode(synth.render_number(digits_for(clear_digits, number), rng, style, height=48), 92)


def _blobs(photo: bytes):
    array, _ = load_image(photo)
    ink = segment.ink_map(array)
    ink, mask = segment.rescale(ink, segment.binarize(ink), MIN_WORK_SIDE)
    mask, ink, affine = segment.remove_rules(mask, ink)
    return mask, ink, affine, segment.find_blobs(mask, ink)


@pytest.mark.parametrize("angle", [-6.0, 5.0])
def test_it_measures_and_levels_a_slanted_number(clear_digits, angle):
    mask, ink, affine, blobs = _blobs(_page(clear_digits, "583920", angle))
    # synth turns the page by +angle (OpenCV's sense): the writing slopes by -angle.
    assert abs(skew.slant(blobs) + angle) < 1.5
    _, _, turn, level = skew.straighten(mask, ink, affine, blobs)
    assert turn is not None and abs(skew.slant(level)) < 1.0


def test_it_leaves_level_and_short_writing_as_it_is(clear_digits):
    for number, angle in (("583920", 0.0), ("58", 6.0)):
        mask, ink, affine, blobs = _blobs(_page(clear_digits, number, angle))
        assert skew.straighten(mask, ink, affine, blobs)[2] is None


def test_it_reads_a_slanted_number_and_maps_its_boxes_back_to_the_photo(reader, clear_digits):
    photo = _page(clear_digits, "583920", -6.0)
    result = reader.read(photo)
    assert numbers_of(result) == ["583920"]
    x, y, w, h = result["numbers"][0]["box"]
    assert 0 <= x and 0 <= y and x + w <= result["width"] and y + h <= result["height"]
