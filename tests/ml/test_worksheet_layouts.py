"""Worksheet layouts the default benchmark does not draw: a table's answer column, dotted lines with a
unit, grey rounded boxes, a 300 dpi scan; and the cells of a table read each on its own."""

import numpy as np
import pytest

from ml import evaluate, worksheet, worksheet_bench
from ml import worksheets_synth as ws

from .worksheet_helpers import clear_pool, read_scanned


@pytest.fixture(scope="module")
def pool(clear_digits):
    return clear_pool(clear_digits)


def test_the_extra_layouts_are_drawn_only_when_named():
    drawn = {ws.make_template(np.random.default_rng(seed)).layout for seed in range(40)}
    assert drawn == set(ws.LAYOUTS)
    for layout in ws.EXTRA_LAYOUTS:
        assert ws.make_template(np.random.default_rng(1), layout).layout == layout
    with pytest.raises(ValueError, match="unknown worksheet layout"):
        ws.make_template(np.random.default_rng(1), "circles")


def test_the_benchmark_draws_the_layouts_it_is_given():
    cases = list(worksheet_bench._generated(3, 0, 5, None, ("table", "dpi300")))
    assert [c["blank"].layout for c in cases] == ["table", "table", "dpi300", "dpi300", "table", "table"]
    assert evaluate._worksheet_layouts(None) == ws.LAYOUTS
    assert evaluate._worksheet_layouts("table, grey_rounded") == ("table", "grey_rounded")
    with pytest.raises(SystemExit, match="unknown layout"):
        evaluate._worksheet_layouts("table,circles")


def test_a_300_dpi_template_is_the_150_dpi_print_twice_as_large():
    blank = ws.make_template(np.random.default_rng(3), "dpi300", questions=6)
    assert blank.image.shape == (2 * ws.PAGE[1], 2 * ws.PAGE[0])
    assert min(r["box"][3] for r in blank.regions) >= 100


@pytest.mark.parametrize("layout", ws.EXTRA_LAYOUTS)
def test_it_reads_every_area_of_a_scanned_worksheet_of_another_layout(reader, pool, layout):
    _, filled, _, _, result = read_scanned(reader, pool, layout, 60 + ws.EXTRA_LAYOUTS.index(layout), 5)
    assert [a["number"] for a in result["answers"]] == filled.labels


def test_the_cells_of_a_table_share_edges_and_separate_boxes_do_not():
    cells = [[500, 300 + 80 * k, 200, 80] for k in range(3)]
    assert worksheet._cell_walls(cells) == [[cells[1]], [cells[0], cells[2]], [cells[1]]]
    side = [[100, 300, 150, 80], [250, 300, 150, 80]]  # the cells of one row
    assert worksheet._cell_walls(side) == [[side[1]], [side[0]]]
    apart = [[500, 300, 200, 80], [500, 390, 200, 80], [900, 300, 200, 80]]  # 10 px between boxes
    assert worksheet._cell_walls(apart) == [[], [], []]


def _written_across(blank, pool, rng, row: int, number: str, crossing: float) -> np.ndarray:
    """Ink of `number` in a cell, its digits crossing the cell's bottom (crossing > 0) or top line."""
    x, y, w, h = blank.regions[row]["box"]
    digits = [pool[0][int(np.flatnonzero(pool[1] == int(d))[0])] for d in number]
    strip, _, _ = ws.synth.lay_out(digits, rng, ws.synth.Style(gap=(0.1, 0.1)), int(0.7 * h))
    rows, cols = np.flatnonzero(strip.max(axis=1) > 0.1), np.flatnonzero(strip.max(axis=0) > 0.1)
    strip = strip[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    top = y + h - int((1 - crossing) * strip.shape[0]) if crossing > 0 else y + int(crossing * strip.shape[0])
    ink = np.zeros(blank.image.shape, np.float32)
    ink[top : top + strip.shape[0], x + 15 : x + 15 + strip.shape[1]] = strip
    return ink


def test_it_keeps_the_writing_of_the_next_cell_of_a_table_out_of_an_answer(reader, pool, monkeypatch):
    # One answer written low across the line under it, the next one just touching the same line
    # from below: each answer's window reaches into the other's cell, the 5 meets the 0 there.
    rng = np.random.default_rng(71)
    blank = ws.make_template(rng, "table", questions=4)
    ink = np.maximum(
        _written_across(blank, pool, rng, 1, "8562", 0.05), _written_across(blank, pool, rng, 2, "703", -0.03)
    )
    page = (blank.image * (1 - 0.85 * ink)).astype(np.uint8)
    scanned, _ = ws.scan(rng, page)
    result = worksheet.read_against_template(reader, ws.encode(scanned), blank.image, blank.regions)
    assert [a["number"] for a in result["answers"]] == ["", "8562", "703", ""]
    assert not result["needs_review"]
    monkeypatch.setattr(worksheet, "_cell_walls", lambda boxes: [[] for _ in boxes])
    result = worksheet.read_against_template(reader, ws.encode(scanned), blank.image, blank.regions)
    assert [a["number"] for a in result["answers"]] != ["", "8562", "703", ""]  # 703 read 903
