"""The review rules between the line model, the cut digits and the sign model (issue 13)."""

from types import SimpleNamespace

import numpy as np

from ml import lattice, reader, signs


def cut_digits(*pairs):
    return [{"digit": d, "confidence": p, "box": (10 * k, 0, 10, 20)} for k, (d, p) in enumerate(pairs)]


def line_reading(*pairs):
    return ("".join(str(d) for d, _ in pairs), [(d, p, 4.0 + 10 * k) for k, (d, p) in enumerate(pairs)], 1.0)


GROUP = [SimpleNamespace(x=0, right=10), SimpleNamespace(x=10, right=20)]


def test_it_trusts_a_line_reading_sure_of_every_digit_over_unsure_cuts():
    digits = reader._reconcile(cut_digits((1, 0.6), (4, 0.7)), line_reading((1, 0.999), (7, 0.995)), GROUP)
    assert [c["digit"] for c in digits] == [1, 7]
    assert min(c["confidence"] for c in digits) >= reader.DISAGREEMENT_SURE


def test_it_flags_a_disagreement_the_winner_is_not_sure_of():
    digits = reader._reconcile(cut_digits((1, 0.6), (4, 0.7)), line_reading((1, 0.999), (7, 0.95)), GROUP)
    assert [c["digit"] for c in digits] == [1, 7]
    assert max(c["confidence"] for c in digits) <= reader.DISAGREEMENT


def test_it_flags_sure_cuts_that_the_line_model_reads_otherwise_only_when_unsure():
    sure = reader._reconcile(cut_digits((2, 0.995), (3, 0.999)), line_reading((2, 0.9), (8, 0.8)), GROUP)
    assert [c["confidence"] for c in sure] == [0.995, 0.999]
    unsure = reader._reconcile(cut_digits((2, 0.98), (3, 0.999)), line_reading((2, 0.9), (8, 0.8)), GROUP)
    assert max(c["confidence"] for c in unsure) <= reader.DISAGREEMENT


def test_it_takes_a_fraction_bar_read_not_quite_surely_only_under_the_looser_gate():
    found = [("3", 0.999, 4), ("/", 0.96, 14), ("4", 0.999, 24)]
    assert not signs.plausible(found)
    assert signs.plausible(found, slash=signs.SLASH_DOUBT)
    assert not signs.plausible([("3", 0.999, 4), ("/", 0.9, 14), ("4", 0.999, 24)], slash=signs.SLASH_DOUBT)


def test_it_reads_no_fraction_whose_denominator_starts_with_a_zero():
    # "7/04" is 7104 with its 1 slanted; "1/0" and "0/5" are still fractions a pupil may write.
    def found(text):
        return [(c, 0.999, 4 + 10 * k) for k, c in enumerate(text)]

    assert not signs.plausible(found("7/04"))
    assert not signs.plausible(found("07/4"))
    assert signs.plausible(found("1/0")) and signs.plausible(found("0/5")) and signs.plausible(found("10/20"))


def _frames(*symbols, rival=None):
    """Line model frames (11 classes, blank last) peaking on each symbol, a blank between;
    `rival` (symbol, probability) is the runner-up in the last symbol's frame."""
    rows = []
    for symbol in symbols:
        for s in (symbol, 10):
            row = np.full(11, 0.0001)
            row[s] = 1.0
            rows.append(row / row.sum())
    if rival is not None:
        rows[-2][rival[0]] = rival[1]
        rows[-2] /= rows[-2].sum()
    return np.array(rows)


def _lattice(*probs):
    """One blob per digit, each read whole: its run's ten probabilities."""
    plans = []
    for p in probs:
        run = {
            "probs": np.array(p),
            "confidence": max(p),
            "digit": int(np.argmax(p)),
            "width": 12,
            "height": 20,
        }
        plans.append(([0.0, 0.0], {(0, 1): run}, 20.0, lattice.CUT_COST))
    return plans


def test_it_takes_the_line_reading_both_models_support_and_trusts_it():
    one, four_or_seven = [0.0] * 10, [0.0] * 10
    one[1], four_or_seven[4], four_or_seven[7] = 0.999, 0.55, 0.45
    reading = (*line_reading((1, 0.999), (7, 0.999)), _frames(1, 7))
    digits = reader._reconcile(
        cut_digits((1, 0.999), (4, 0.55)), reading, GROUP, _lattice(one, four_or_seven)
    )
    assert [c["digit"] for c in digits] == [1, 7]
    assert min(c["confidence"] for c in digits) >= reader.DISAGREEMENT_SURE


def test_it_flags_a_sure_line_reading_the_cut_digits_contradict():
    one, four = [0.0] * 10, [0.0] * 10
    one[1], four[4], four[7] = 0.999, 0.998, 0.001
    # The line model reads the 7 surely, but not so surely that a crop read as a 4 does not count.
    reading = (*line_reading((1, 0.999), (7, 0.99)), _frames(1, 7, rival=(4, 0.01)))
    digits = reader._reconcile(cut_digits((1, 0.999), (4, 0.998)), reading, GROUP, _lattice(one, four))
    assert [c["digit"] for c in digits] in ([1, 7], [1, 4])
    assert max(c["confidence"] for c in digits) <= reader.DISAGREEMENT


def test_it_reads_a_third_reading_both_models_support_better_and_flags_it():
    # Truth "71": the line model reads "77" (its last 7 rivalled by a 1), the cuts "11" (the
    # first crop leans to 1 over 7, the second is surely a 1).
    first, second = [0.0] * 10, [0.0] * 10
    first[1], first[7], second[1], second[7] = 0.6, 0.4, 0.99, 0.01
    reading = (*line_reading((7, 0.999), (7, 0.69)), _frames(7, 7, rival=(1, 0.45)))
    digits = reader._reconcile(cut_digits((1, 0.6), (1, 0.99)), reading, GROUP, _lattice(first, second))
    assert [c["digit"] for c in digits] == [7, 1]
    assert max(c["confidence"] for c in digits) <= reader.DISAGREEMENT
