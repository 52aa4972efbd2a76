"""Ruled lines: erased, without erasing the strokes that lie on or cross them."""

import numpy as np

from ml import rules, segment


def page_with_rule(rows=(60, 61)) -> np.ndarray:
    mask = np.zeros((120, 300), np.uint8)
    mask[list(rows), :] = 1
    return mask


def test_it_erases_a_bare_rule():
    mask = page_with_rule()
    cleaned, _, _ = segment.remove_rules(mask, mask.astype(np.float32))
    assert cleaned.sum() == 0


def test_it_erases_two_rules_drawn_close_together():
    # Two rules a few pixels apart make one thick band; it is still a rule, not a stroke.
    mask = page_with_rule(rows=(58, 59, 62, 63))
    cleaned, _, _ = segment.remove_rules(mask, mask.astype(np.float32))
    assert cleaned.sum() == 0


def test_it_keeps_a_stroke_lying_along_the_rule():
    mask = page_with_rule()
    mask[57:64, 100:130] = 1  # the base of a 2, thicker than the rule, lying on it
    cleaned, _, _ = segment.remove_rules(mask, mask.astype(np.float32))
    assert cleaned[57:64, 100:130].all()
    assert cleaned[60:62, :90].sum() == 0 and cleaned[60:62, 140:].sum() == 0


def test_it_bridges_a_stroke_crossing_the_rule():
    mask = page_with_rule()
    mask[30:90, 200:204] = 1  # the stem of a 1 crossing the rule
    cleaned, _, _ = segment.remove_rules(mask, mask.astype(np.float32))
    assert cleaned[30:90, 200:204].all()


def test_it_measures_vertical_runs():
    mask = np.array([[1, 0], [1, 1], [0, 1], [1, 1]], np.uint8)
    assert rules._vertical_runs(mask).tolist() == [[2, 0], [2, 3], [0, 3], [1, 3]]
