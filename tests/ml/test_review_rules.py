"""The review rules between the line model, the cut digits and the sign model (issue 13)."""

from types import SimpleNamespace

from ml import reader, signs


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
