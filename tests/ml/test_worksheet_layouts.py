"""Worksheet layouts the default benchmark does not draw: a table's answer column, dotted lines with a
unit, grey rounded boxes, a 300 dpi scan."""

import numpy as np
import pytest

from ml import evaluate, worksheet, worksheet_bench
from ml import worksheets_synth as ws

from .worksheet_helpers import clear_pool


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
    rng = np.random.default_rng(60 + ws.EXTRA_LAYOUTS.index(layout))
    blank = ws.make_template(rng, layout, questions=5)
    filled = ws.fill(rng, blank, pool)
    scanned, _ = ws.scan(rng, filled.image)
    result = worksheet.read_against_template(reader, ws.encode(scanned), blank.image, blank.regions)
    assert [a["number"] for a in result["answers"]] == filled.labels
