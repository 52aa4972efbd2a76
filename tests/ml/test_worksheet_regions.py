"""The worksheet benchmark read against the areas ml.regions proposes (--worksheet-regions proposed)."""

import pytest

from ml import evaluate, regions, worksheet_bench

from .worksheet_helpers import clear_pool


def test_it_matches_each_proposed_area_to_one_of_the_generator_at_half_overlap():
    expected = [[0, 0, 100, 40], [0, 100, 100, 40], [0, 200, 100, 40]]
    found = [
        [2, 95, 100, 44],  # the second area, a little off
        [0, 100, 100, 40],  # the second exactly: it takes it, the first becomes extra
        [0, 210, 100, 40],  # the third: intersection 30 / union 50 = 0.6
        [0, 28, 100, 40],  # over the first by 12 of 68: under half, so the first is missed
    ]
    assert worksheet_bench.match_regions(found, expected) == [None, 1, 2]
    assert worksheet_bench.iou([0, 0, 10, 10], [5, 0, 10, 10]) == pytest.approx(50 / 150)
    assert worksheet_bench.match_regions([], expected) == [None, None, None]


def test_a_missed_area_counts_as_a_wrong_answer_and_an_extra_one_is_reported(
    reader, clear_digits, monkeypatch, tmp_path
):
    pool = clear_pool(clear_digits)
    run = dict(pages=1, sheets=0, seed=3, pool=pool, cache=tmp_path, layouts=("beside",))
    given = worksheet_bench.worksheet_benchmark(reader, **run)
    proposed = worksheet_bench.worksheet_benchmark(reader, **run, regions="proposed")
    assert proposed["regions"] == "proposed" and "found" not in given["overall"]
    areas = given["overall"]["answers"] // 2  # the same template scanned and photographed
    assert proposed["overall"]["found"] == 2 * areas and proposed["overall"]["missed"] == 0
    assert proposed["overall"]["answers_right"] == given["overall"]["answers_right"] == 1.0

    propose = regions.propose_regions

    def drop_the_first_add_one(image):
        found = propose(image)[1:]
        return [*found, {"name": "x", "box": [5, 5, 60, 30]}]

    monkeypatch.setattr(regions, "propose_regions", drop_the_first_add_one)
    dropped = worksheet_bench.worksheet_benchmark(reader, **run, regions="proposed")
    row = dropped["layouts"]["beside scan"]
    assert (row["found"], row["missed"], row["extra"]) == (areas - 1, 1, 1)
    assert row["answers_right"] == pytest.approx((areas - 1) / areas)
    assert row["silent_errors"] == 0  # the teacher confirming the areas sees the missing one
    missed = [f for f in dropped["failures"] if f.get("missed")]
    assert [(f["kind"], f["name"]) for f in missed] == [("worksheet_scan", "1"), ("worksheet_phone", "1")]


def test_the_cli_takes_the_region_source():
    assert evaluate.parse_args(["--worksheets"]).worksheet_regions == "generator"
    assert evaluate.parse_args(["--worksheet-regions", "proposed"]).worksheet_regions == "proposed"
    with pytest.raises(SystemExit):
        evaluate.parse_args(["--worksheet-regions", "guessed"])
    with pytest.raises(ValueError, match="unknown region source"):
        worksheet_bench.worksheet_benchmark(None, pages=0, sheets=0, regions="guessed")
