"""Segmentation: touching digits, reading order, numbers on a line, blank pages."""

import numpy as np

from ml import segment, synth
from ml.load import load_image
from ml.synth import Style

from .conftest import digits_for, numbers_of


def blob_count(image) -> int:
    array, _ = load_image(synth.encode(image, None))
    ink = segment.ink_map(array)
    return len(segment.find_blobs(segment.binarize(ink), ink))


def test_it_splits_touching_digits(reader, clear_digits):
    rng = np.random.default_rng(11)
    image = synth.render_number(digits_for(clear_digits, "207"), rng, Style(gap=(-0.16, -0.1)), height=50)
    assert blob_count(image) == 1  # the three digits really touch
    assert numbers_of(reader.read(synth.encode(image, None))) == ["207"]


def test_it_splits_overlapping_digits(reader, clear_digits):
    # Overlaps this deep defeat some cuts (a 7 buried in its neighbours); the
    # line model reads those from context. Some writings defeat both, so the
    # test asks for a rate over many of them: cuts alone score about 80% here.
    merged = read = 0
    for seed in range(20):
        for number in ("4853", "207"):
            rng = np.random.default_rng(seed)
            digits = digits_for(clear_digits, number, offset=seed)
            image = synth.render_number(digits, rng, Style(gap=(-0.16, -0.1)), height=50)
            if blob_count(image) != 1:
                continue  # the digits happen not to overlap: not this test's case
            merged += 1
            read += numbers_of(reader.read(synth.encode(image, None))) == [number]
    assert merged >= 15
    assert read >= 0.85 * merged


def test_curved_cuts_follow_the_gap_between_slanted_digits():
    # Two slanted bars "/ /" that overlap in x: no straight vertical cut separates them.
    mask = np.zeros((40, 40), bool)
    for r in range(40):
        mask[r, 14 - r // 3 : 18 - r // 3] = True
        mask[r, 26 - r // 3 : 30 - r // 3] = True
    blob = segment.Blob(0, 0, 40, 40, mask, mask.astype(np.float32))
    cuts, severed = segment.seams(blob, 40.0)
    clean = [k for k in range(1, len(cuts) - 1) if severed[k] == 0.0]
    assert clean, "a cut through the white gap severs no stroke"
    left = mask & (np.arange(40)[None, :] < cuts[clean[0]][:, None])
    assert left.sum() == mask.sum() // 2  # exactly the first bar


def test_a_single_digit_is_not_cut(reader, clear_digits):
    rng = np.random.default_rng(21)
    for digit in "0123456789":
        image = synth.render_number(digits_for(clear_digits, digit), rng, Style(), height=48)
        assert numbers_of(reader.read(synth.encode(image, None))) == [digit]


def test_it_reads_a_worksheet_top_to_bottom(reader, clear_digits):
    labels = ["12", "345", "6", "7890"]
    rng = np.random.default_rng(12)
    numbers = [digits_for(clear_digits, label, offset=k) for k, label in enumerate(labels)]
    image = synth.render_worksheet(numbers, rng, Style(rules=True, angle=3.0), height=40)
    result = reader.read(synth.encode(image, 90))
    assert numbers_of(result) == labels
    assert [n["line"] for n in result["numbers"]] == [0, 1, 2, 3]
    tops = [n["box"][1] for n in result["numbers"]]
    assert tops == sorted(tops)


def test_it_separates_numbers_on_one_line_by_a_clear_gap(reader, clear_digits):
    rng = np.random.default_rng(13)
    left = synth.render_number(digits_for(clear_digits, "58"), rng, Style(paper=(240, 240, 240)), height=44)
    right = synth.render_number(
        digits_for(clear_digits, "301", 5), rng, Style(paper=(240, 240, 240)), height=44
    )
    rows = max(left.shape[0], right.shape[0])
    line = np.hstack([_pad(left, rows), _pad(right, rows)])
    result = reader.read(synth.encode(line, None))
    assert numbers_of(result) == ["58", "301"]
    assert [n["line"] for n in result["numbers"]] == [0, 0]
    assert result["numbers"][0]["box"][0] < result["numbers"][1]["box"][0]


def test_it_finds_nothing_on_a_blank_page(reader):
    rng = np.random.default_rng(14)
    for style in (Style(), Style(rules=True, gradient=0.5, noise=6), Style(blur=1.0, noise=8, jpeg=60)):
        page = synth.photograph(np.zeros((600, 450), np.float32), None, style, rng)
        result = reader.read(synth.encode(page, style.jpeg))
        assert result["numbers"] == [] and result["needs_review"] is False


def test_it_flags_doubtful_digits_for_review(model_path, clear_digits):
    from ml.reader import Reader

    image = synth.encode(synth.render_number(digits_for(clear_digits, "42"), np.random.default_rng(1)), 90)
    assert Reader(model_path, review_threshold=1.01).read(image)["needs_review"] is True
    assert Reader(model_path, review_threshold=0.0).read(image)["needs_review"] is False


def _pad(image, rows):
    extra = rows - image.shape[0]
    return np.pad(image, ((0, extra), (0, 0), (0, 0)), constant_values=int(image[0, 0, 0]))
