"""Choosing between the line model's and the cuts' readings of a number (ml.combine)."""

from __future__ import annotations

import itertools
import math

import numpy as np

from ml import combine


def _frames(rows: list[list[float]]) -> np.ndarray:
    """(T, 3) probabilities over the symbols 0, 1 and the blank (the last class)."""
    frames = np.array(rows, np.float64)
    return frames / frames.sum(axis=1, keepdims=True)


def _brute_force(frames: np.ndarray, labels: list[int]) -> float:
    """P(labels) by summing every frame path that CTC collapses to them."""
    blank = frames.shape[1] - 1
    total = 0.0
    for path in itertools.product(range(frames.shape[1]), repeat=len(frames)):
        collapsed = [s for k, s in enumerate(path) if s != blank and (k == 0 or path[k - 1] != s)]
        if collapsed == labels:
            total += math.prod(frames[t, s] for t, s in enumerate(path))
    return total


def test_it_sums_every_ctc_alignment_of_a_reading():
    rng = np.random.default_rng(3)
    frames = _frames(rng.uniform(0.05, 1.0, (5, 3)).tolist())
    for labels in ([], [0], [1, 0], [0, 0], [1, 1, 0]):
        expected = _brute_force(frames, labels)
        assert math.isclose(math.exp(combine.ctc_log_prob(frames, labels)), expected, rel_tol=1e-9), labels


def test_it_tells_a_doubled_digit_from_a_single_one_only_across_a_blank():
    # "0", blank, "0": the best path reads "00"; without the blank frame it would read "0".
    frames = _frames([[0.9, 0.05, 0.05], [0.1, 0.05, 0.85], [0.9, 0.05, 0.05]])
    assert combine.ctc_log_prob(frames, [0, 0]) > combine.ctc_log_prob(frames, [0])
    merged = _frames([[0.9, 0.05, 0.05], [0.9, 0.05, 0.05], [0.9, 0.05, 0.05]])
    assert combine.ctc_log_prob(merged, [0]) > combine.ctc_log_prob(merged, [0, 0])


def _crop(probs) -> dict:
    return {"probs": np.array(probs + [0.0] * (10 - len(probs))), "width": 10, "height": 20}


def _score(crop, digit, ref_h) -> float:
    return math.log(max(float(crop["probs"][digit]), 1e-6))


def test_it_spells_a_reading_on_the_lattice_of_cuts():
    # One blob cut once: the two halves read "1" and "0", the whole reads "0" a little.
    runs = {(0, 1): _crop([0.1, 0.9]), (1, 2): _crop([0.8, 0.2]), (0, 2): _crop([0.3, 0.1])}
    plans = [([0.0, 1.0, 0.0], runs, 20.0, 0.0)]
    assert math.isclose(combine.cut_log_prob("10", plans, _score), math.log(0.9 * 0.8))
    assert math.isclose(combine.cut_log_prob("0", plans, _score), math.log(0.3))
    assert combine.cut_log_prob("100", plans, _score) == -math.inf  # no path has three runs


def test_it_spells_several_readings_at_once_as_it_spells_each():
    runs = {(0, 1): _crop([0.1, 0.9]), (1, 2): _crop([0.8, 0.2]), (0, 2): _crop([0.3, 0.1])}
    plans = [([0.0, 1.0, 0.0], runs, 20.0, 0.5), ([0.0, 0.0], {(0, 1): _crop([0.2, 0.7])}, 20.0, 0.5)]
    texts = ["10", "11", "0", "01", "101", "100", "1000"]
    together = combine.cut_log_probs(texts, plans, _score)
    assert together == {t: combine.cut_log_prob(t, plans, _score) for t in texts}
    assert math.isclose(together["101"], math.log(0.9 * 0.8 * 0.7) - 0.5)
    assert together["1000"] == -math.inf


def test_it_prefers_the_reading_both_models_support_and_is_less_sure_of_a_close_call():
    # The line model reads "10" clearly; the cuts read "0" (a merged pair) only a little better.
    frames = _frames([[0.02, 0.96, 0.02], [0.02, 0.02, 0.96], [0.96, 0.02, 0.02]])
    runs = {(0, 1): _crop([0.1, 0.9]), (1, 2): _crop([0.8, 0.2]), (0, 2): _crop([0.95, 0.0])}
    plans = [([0.0, 1.0, 0.0], runs, 20.0, 0.0)]
    clear = combine.choose("0", "10", frames, plans, _score)
    assert clear.text == "10" and clear.margin > 2
    even = _frames([[0.3, 0.4, 0.3], [0.3, 0.3, 0.4], [0.4, 0.3, 0.3]])
    close = combine.choose("0", "10", even, plans, _score)
    assert close.margin < clear.margin


def test_it_keeps_the_cut_reading_when_the_line_model_barely_prefers_its_own():
    # Same length, one digit differs: the line model prefers "11" a little, the crops say "10".
    frames = _frames([[0.02, 0.96, 0.02], [0.02, 0.02, 0.96], [0.4, 0.58, 0.02]])
    runs = {(0, 1): _crop([0.05, 0.95]), (1, 2): _crop([0.97, 0.03])}
    plans = [([0.0, 1.0, 0.0], runs, 20.0, 0.0)]
    choice = combine.choose("10", "11", frames, plans, _score)
    assert choice.text == "10" and choice.lattice_gap > 0


def test_it_lets_a_sure_line_model_outvote_an_unsure_classifier_on_a_lone_digit():
    # The classifier leans to "0" (a crop unlike MNIST's); the line model reads "1" surely.
    frames = _frames([[0.02, 0.02, 0.96], [0.01, 0.98, 0.01], [0.02, 0.02, 0.96]])
    crop = {"box": (0, 0, 9, 20), "digit": 0, "confidence": 0.6, "probs": np.array([0.6, 0.4])}
    read = combine.lone_digit(crop, frames)
    assert read["digit"] == 1 and read["confidence"] == 0.4  # the classifier's, for the digit kept
    assert read["box"] == crop["box"]


def test_it_keeps_a_sure_classifiers_lone_digit_against_a_line_model_that_leans_away():
    frames = _frames([[0.02, 0.02, 0.96], [0.35, 0.63, 0.02], [0.02, 0.02, 0.96]])
    crop = {"box": (0, 0, 9, 20), "digit": 0, "confidence": 0.97, "probs": np.array([0.97, 0.03])}
    assert combine.lone_digit(crop, frames)["digit"] == 0


def test_it_reads_a_number_each_model_misread_at_a_different_digit_and_is_never_sure_of_it():
    # The line model reads "11" (its second digit leans to 1 over 0), the cuts read "00" (their
    # first crop leans to 0 over 1): "10", one digit off each, is what both support best.
    frames = _frames([[0.02, 0.96, 0.02], [0.02, 0.02, 0.96], [0.38, 0.6, 0.02]])
    runs = {(0, 1): _crop([0.6, 0.4]), (1, 2): _crop([0.97, 0.03])}
    plans = [([0.0, 1.0, 0.0], runs, 20.0, 0.0)]
    choice = combine.choose("00", "11", frames, plans, _score)
    assert choice.text == "10" and choice.margin == 0.0


def test_it_decides_between_the_two_readings_as_before_when_no_third_does_better():
    frames = _frames([[0.02, 0.96, 0.02], [0.02, 0.02, 0.96], [0.96, 0.02, 0.02]])
    runs = {(0, 1): _crop([0.1, 0.9]), (1, 2): _crop([0.8, 0.2]), (0, 2): _crop([0.95, 0.0])}
    plans = [([0.0, 1.0, 0.0], runs, 20.0, 0.0)]
    line_gap = combine.ctc_log_prob(frames, [1, 0]) - combine.ctc_log_prob(frames, [0])
    lattice_gap = combine.cut_log_prob("10", plans, _score) - combine.cut_log_prob("0", plans, _score)
    z = line_gap + combine.LATTICE_WEIGHT * max(lattice_gap, -combine.LATTICE_CLIP) - combine.LINE_BIAS
    choice = combine.choose("0", "10", frames, plans, _score)
    assert (
        choice.text == "10"
        and math.isclose(choice.margin, z)
        and math.isclose(choice.lattice_gap, lattice_gap)
    )


def _leading(symbol: int, strength: float) -> np.ndarray:
    """Frames reading `symbol` at `strength`, then "0", "0" across blanks."""
    first = [0.02, 0.02, 1 - strength]
    first[symbol] = strength
    blank, zero = [0.02, 0.02, 0.96], [0.96, 0.02, 0.02]
    return _frames([first, blank, zero, blank, zero])


# One blob the cuts split into "0" and "0"; no run holds a 1 (a touching 1 swallowed by its neighbour).
_RUNS = {(0, 1): _crop([0.95]), (1, 2): _crop([0.95]), (0, 2): _crop([0.1])}
_TOUCHING = [([0.0, 1.0, 0.0], _RUNS, 20.0, 0.0)]


def test_it_believes_a_fairly_sure_line_model_about_a_1_the_cuts_swallowed():
    frames = _leading(1, 0.95)  # "100" over "00" at log-odds about 2.9
    assert combine.cut_log_prob("100", _TOUCHING, _score) == -math.inf
    choice = combine.choose("00", "100", frames, _TOUCHING, _score)
    assert choice.text == "100" and choice.margin < 1  # a close call: flagged by the reader


def test_it_keeps_the_cuts_reading_where_no_digits_touch_or_another_digit_is_added():
    separate = [([0.0, 0.0], {(0, 1): _crop([0.95])}, 20.0, 0.0)] * 2  # two blobs, one "0" each
    assert combine.choose("00", "100", _leading(1, 0.95), separate, _score).text == "00"
    frames = _leading(0, 0.97)
    assert combine.ctc_log_prob(frames, [0, 0, 0]) - combine.ctc_log_prob(frames, [0, 0]) > 2
    assert combine.choose("00", "000", frames, _TOUCHING, _score).text == "00"


def test_it_respells_the_cut_digits_where_the_reading_is_not_one_digit_per_peak():
    cut = [
        {"digit": 4, "confidence": 0.9, "box": (0, 0, 9, 20)},
        {"digit": 0, "confidence": 0.8, "box": (9, 0, 9, 20)},
    ]
    found = [(4, 0.9, 3.0), (1, 0.8, 9.0), (0, 0.9, 15.0)]
    choice = combine.Choice("90", 0.0, 0.0)
    assert [c["digit"] for c in combine.respell(choice, found, cut, None)] == [9, 0]
    placed = combine.respell(
        combine.Choice("410", 0.0, 0.0), [(4, 0.9, 3.0), (7, 0.8, 9.0), (0, 0.9, 15.0)], cut, list
    )
    assert placed == [(4, 0.9, 3.0), (1, 0.8, 9.0), (0, 0.9, 15.0)]


def test_it_scores_readings_of_one_length_side_by_side_exactly_as_one_by_one():
    rng = np.random.default_rng(5)
    frames = _frames(rng.uniform(0.05, 1.0, (6, 3)).tolist())
    label_sets = [[0, 1], [1, 1], [0, 0], [1, 0]]
    together = combine.ctc_log_probs(frames, label_sets)
    assert together.tolist() == [combine.ctc_log_prob(frames, labels) for labels in label_sets]
    assert combine.ctc_log_probs(frames, [[]])[0] == combine.ctc_log_prob(frames, [])
