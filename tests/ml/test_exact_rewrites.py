"""The speed-ups are exact: each fast helper equals the plain computation it replaced,
and ml.fingerprint notices when any reading changes."""

import itertools
import json

import cv2
import numpy as np

from ml import fingerprint, lattice, order_stats, rules, seams, segment, synth
from ml import reader as reader_module


def test_it_reads_percentiles_of_bytes_from_a_histogram_exactly():
    rng = np.random.default_rng(0)
    shapes = [(1, 1), (1, 7), (2, 2), (33, 17), (120, 90)]
    for shape in shapes:
        for top in (1, 2, 30, 256):
            values = rng.integers(0, top, shape).astype(np.uint8)
            expected = order_stats.percentiles(values.astype(np.float32), (1, 50, 90, 99))
            assert order_stats.byte_percentiles(values, (1, 50, 90, 99)) == expected


def test_it_interpolates_percentiles_between_the_same_order_statistics_as_a_full_partition():
    rng = np.random.default_rng(4)
    for n in (1, 2, 3, 9, 10, 400, 2001, 9001):
        for values in (rng.random(n), rng.integers(0, 4, n) / 3, np.zeros(n), rng.random(n) ** 4 - 0.01):
            values = values.astype(np.float32)
            for qs in ((90,), (50,), (0,), (100,), (1, 50, 99), (25, 26)):
                ranks = [q / 100 * (n - 1) for q in qs]
                bounds = [(int(np.floor(r)), int(np.ceil(r))) for r in ranks]
                part = np.partition(values, sorted({i for pair in bounds for i in pair}))
                pairs = zip(ranks, bounds, strict=True)
                plain = [float(part[lo] + (part[hi] - part[lo]) * (r - lo)) for r, (lo, hi) in pairs]
                assert order_stats.percentiles(values, qs) == plain


def test_it_makes_the_same_ink_map_from_bytes_as_from_floats():
    # ink_map takes the byte path for uint8 photos and the float path otherwise: both agree.
    rng = np.random.default_rng(1)
    photo = rng.integers(0, 256, (60, 80, 3)).astype(np.uint8)
    photo[20:40, 10:70] //= 4
    assert np.array_equal(segment.ink_map(photo), segment.ink_map(photo.astype(np.float32)))


def _runs_by_scanning(mask: np.ndarray) -> np.ndarray:
    runs = np.zeros(mask.shape, np.int32)
    for c in range(mask.shape[1]):
        r = 0
        while r < mask.shape[0]:
            if not mask[r, c]:
                r += 1
                continue
            end = r
            while end < mask.shape[0] and mask[end, c]:
                end += 1
            runs[r:end, c] = end - r
            r = end
    return runs


def test_it_measures_vertical_runs_like_a_column_scan():
    rng = np.random.default_rng(2)
    masks = [np.zeros((5, 4), np.uint8), np.ones((5, 4), np.uint8), np.ones((1, 6), np.uint8)]
    masks += [
        (rng.random((rng.integers(1, 40), rng.integers(1, 40))) < p).astype(np.uint8) for p in (0.2, 0.8)
    ]
    for mask in masks:
        runs = rules._vertical_runs(mask)
        assert runs.dtype == np.int32 and runs.flags.c_contiguous
        assert np.array_equal(runs, _runs_by_scanning(mask))


def _costs_three_ways(local: np.ndarray) -> np.ndarray:
    totals = local.copy()
    for r in range(1, len(local)):
        prev = totals[r - 1]
        from_left = np.full_like(prev, np.inf)
        from_right = np.full_like(prev, np.inf)
        from_left[:, 1:] = prev[:, :-1] + seams.SEAM_DRIFT
        from_right[:, :-1] = prev[:, 1:] + seams.SEAM_DRIFT
        totals[r] = local[r] + np.minimum(prev, np.minimum(from_left, from_right))
    return totals


def test_it_finds_the_same_seam_costs_as_the_three_way_minimum():
    rng = np.random.default_rng(3)
    local = rng.random((30, 9, 11)).astype(np.float32)
    local[:, 0, :3] = np.inf  # the band reaching past the blob's edge
    local[:, -1, -4:] = np.inf
    assert np.array_equal(seams._seam_costs(local), _costs_three_ways(local))


def test_it_boxes_every_lattice_run_around_its_own_ink():
    rng = np.random.default_rng(4)
    mask = np.zeros((40, 90), bool)
    mask[5:35, 5:12] = mask[5:9, 5:40] = mask[20:38, 30:36] = mask[10:30, 50:85] = True
    soft = np.where(mask, rng.uniform(0.5, 1.0, mask.shape), 0).astype(np.float32)
    blob = segment.Blob(100, 200, 90, 40, mask, soft)
    _, runs = segment.lattice(blob, 40.0)
    assert len(runs) > 3
    for x, y, w, h, run_soft, run_mask in (crop for crop in runs.values() if crop is not None):
        rows, cols = np.flatnonzero(run_mask.any(axis=1)), np.flatnonzero(run_mask.any(axis=0))
        assert (rows[0], cols[0], rows[-1], cols[-1]) == (0, 0, h - 1, w - 1)  # tight around the ink
        assert run_soft.shape == run_mask.shape == (h, w) and run_soft.dtype == np.float32
        assert mask[y - 200 : y - 200 + h, x - 100 : x - 100 + w][run_mask].all()


def test_it_fingerprints_the_readings_and_names_the_ones_that_change(
    tmp_path, model_path, capsys, monkeypatch
):
    # The large and upscaled photos take seconds to draw: two small variants stand in for them.
    variants = list(itertools.islice(fingerprint._variants(np.random.default_rng(5)), 2))
    monkeypatch.setattr(fingerprint, "_variants", lambda rng: iter(variants))
    saved = tmp_path / "before.json"
    small = ["--per-condition", "1", "--worksheets", "1", "--compose-lines", "2"]
    assert fingerprint.main([*small, "--write", str(saved)]) == 0
    assert fingerprint.main([*small, "--check", str(saved)]) == 0
    assert "same readings" in capsys.readouterr().out

    digests = json.loads(saved.read_text())
    assert any(name.startswith("worksheet-") for name in digests) and "large-120" in digests
    digests["clean-0"] = "a reading from before"
    saved.write_text(json.dumps(digests))
    assert fingerprint.main([*small, "--check", str(saved)]) == 1
    assert "changed: clean-0" in capsys.readouterr().out


def test_it_reads_a_digit_the_same_whatever_else_is_in_its_batch(reader, clear_digits):
    # The reader classifies a blob's runs in rounds of different sizes: this makes that exact.
    digits = np.stack([clear_digits[d % 10][d // 10] for d in range(40)])
    together = reader.classifier.scores(digits)
    for start, size in ((0, 1), (3, 5), (7, 16), (20, 20)):
        assert np.array_equal(
            reader.classifier.scores(digits[start : start + size]), together[start : start + size]
        )


def test_it_reads_touching_digits_the_same_without_the_runs_that_cannot_win(
    reader,
    clear_digits,
    monkeypatch,  # clear_digits: skipped where MNIST is not cached
):
    # Every number goes through the cuts (not the line model's sure reading) so that the lattice is used.
    monkeypatch.setattr(reader_module, "_sure", lambda reading, group: False)
    rng = np.random.default_rng(6)
    photos = [synth.make_sample(rng, condition).image for condition in ("touching", "mixed") * 12]
    read = []
    monkeypatch.setattr(reader.classifier, "predict", _counting(reader.classifier.predict, read))
    pruned = [reader.read(photo)["numbers"] for photo in photos]
    pruned_crops = sum(read)

    read.clear()
    monkeypatch.setattr(lattice, "hopeless", lambda severed, runs, ref_h: [])
    every_run = [reader.read(photo)["numbers"] for photo in photos]
    assert pruned == every_run
    assert pruned_crops < sum(read)


def _counting(predict, counts: list):
    def counted(digits):
        counts.append(len(digits))
        return predict(digits)

    return counted


def test_it_takes_medians_exactly_without_np_median():
    # Every size parity, ties, floats piled in one bin or out of [0, 1], zeros of both signs,
    # subnormals, ints and lists.
    rng = np.random.default_rng(5)
    for n in (1, 2, 3, 10, 11, 1000, 5000, 5001, 14001):
        for values in (
            rng.random(n).astype(np.float32),
            (rng.random(n) ** 6).astype(np.float32),  # piled near 0: many bins, one crowded
            (rng.random(n) * 1e-3).astype(np.float32),
            (rng.integers(0, 3, n) / 2).astype(np.float32),
            rng.normal(0.5, 1.0, n).astype(np.float32),
            np.abs(rng.normal(0, 100, n)).astype(np.float32),
            np.where(rng.random(n) < 0.6, 0.0, rng.random(n)).astype(np.float32),
            np.where(rng.random(n) < 0.3, -0.0, rng.random(n)).astype(np.float32),
            (rng.random(n) * 1e-40).astype(np.float32),  # subnormal
            rng.random((n, 2))[::2],
            rng.integers(0, 50, n),
            rng.integers(-9, 9, n).astype(np.int32),
            list(rng.integers(0, 300, n).tolist()),
            list(rng.normal(0, 5, n)),
        ):
            fast, plain = order_stats.median(values), np.median(values)
            assert fast == plain and type(fast) is type(plain)
    for odd in ([0.2, np.inf, 0.1], [0.5, np.nan, 0.1, 0.3]):
        values = np.array(odd, np.float32)
        assert np.array_equal(order_stats.median(values), np.median(values), equal_nan=True)


def test_it_opens_by_a_long_line_only_the_rows_that_can_hold_one_exactly():
    rng = np.random.default_rng(8)
    for _ in range(300):
        h, w = int(rng.integers(1, 40)), int(rng.integers(1, 160))
        mask = (rng.random((h, w)) < rng.choice([0.3, 0.7, 0.95])).astype(np.uint8)
        if rng.random() < 0.3:
            mask *= np.uint8(rng.integers(2, 256))  # not only 0/1
        row = int(rng.integers(0, h))
        start, stop = sorted(rng.integers(0, w + 1, 2))
        mask[row, start:stop] = 1  # a run, often touching a border
        length = int(rng.integers(1, 2 * w + 3))
        line = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1))
        assert np.array_equal(rules.long_runs(mask, length), cv2.morphologyEx(mask, cv2.MORPH_OPEN, line))


def test_it_finds_the_same_rules_without_the_blank_rows_below_and_columns_right_of_the_ink():
    # Slanted rules, strokes and specks, with blank margins of every size on every side: the
    # transform on the part rules._rule_room keeps finds the very segments, in the same order.
    rng = np.random.default_rng(12)
    compared = 0
    for _ in range(150):
        h, w = int(rng.integers(40, 260)), int(rng.integers(60, 420))
        page = np.zeros((h, w), np.uint8)
        for _ in range(int(rng.integers(1, 5))):
            y, dy = int(rng.integers(0, h)), int(rng.integers(-h // 6, h // 6 + 1))
            x0, x1 = sorted(rng.integers(0, w, 2).tolist())
            cv2.line(page, (x0, y), (x1, min(h - 1, max(0, y + dy))), 1, int(rng.integers(1, 4)))
        page |= (rng.random((h, w)) < rng.choice([0.0, 0.01, 0.05])).astype(np.uint8)
        bottom, right = int(rng.integers(0, h // 2)), int(rng.integers(0, w // 2))
        page[h - bottom :], page[:, w - right :] = 0, 0
        flat = cv2.morphologyEx(page, cv2.MORPH_OPEN, np.ones((1, 7), np.uint8))
        span = int(rules.RULE_SPAN * w)
        room = rules._rule_room(flat, span)
        if room is None:
            continue
        ys, xs = np.nonzero(flat)
        assert room[0] > ys.max() and room[1] > xs.max()
        args = dict(rho=1, theta=np.pi / 360, threshold=max(30, w // 4), minLineLength=span, maxLineGap=4)
        whole = cv2.HoughLinesP(flat, **args)
        cropped = cv2.HoughLinesP(flat[: room[0], : room[1]], **args)
        assert (whole is None and cropped is None) or np.array_equal(whole, cropped)
        compared += whole is not None
    assert compared > 50


def _thicker_on_the_whole_page(mask, core):
    """rules._thicker_than_rule before it looked only near the rules: every row, every run."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(core, connectivity=8)
    thickness = stats[:, cv2.CC_STAT_AREA] / np.maximum(stats[:, cv2.CC_STAT_WIDTH], 1)
    thickness[0] = np.inf
    near = cv2.dilate(labels.astype(np.float32), np.ones((3, 1), np.uint8)).astype(np.int32)
    band = near > 0
    thick = np.zeros(mask.shape, np.uint8)
    thick[band] = rules._vertical_runs(mask)[band] > thickness[near[band]] + 3
    return thick


def test_it_judges_strokes_on_a_rule_near_the_rules_only_exactly():
    rng = np.random.default_rng(1)
    for _ in range(300):
        h, w = int(rng.integers(1, 90)), int(rng.integers(1, 200))
        mask = (rng.random((h, w)) < rng.choice([0.05, 0.3, 0.6])).astype(np.uint8)
        core = np.zeros_like(mask)
        for _ in range(int(rng.integers(0, 4))):
            row, rows = int(rng.integers(0, h)), int(rng.integers(1, 6))
            core[row : row + rows, int(rng.integers(0, w)) :] = 1
        if rng.random() < 0.3:
            core |= (rng.random((h, w)) < 0.02).astype(np.uint8)
        mask |= core
        assert np.array_equal(rules._thicker_than_rule(mask, core), _thicker_on_the_whole_page(mask, core))
        plain_starts = core[0].astype(np.int32) + (core[1:] & (1 - core[:-1])).sum(axis=0)
        crossing = plain_starts > 0
        plain = 1
        if crossing.any():
            ratio = core.sum(axis=0)[crossing] / plain_starts[crossing]
            plain = max(1, int(np.ceil(np.median(ratio))))
        assert rules._rule_thickness(core) == plain


def test_it_labels_the_inked_rows_and_columns_alone_as_the_whole_page():
    rng = np.random.default_rng(3)
    for k in range(600):
        h, w = int(rng.integers(1, 90)), int(rng.integers(1, 120))
        mask = np.zeros((h, w), np.uint8)
        for _ in range(int(rng.integers(0, 6))):  # rules, and blocks of ink anywhere
            row, rows = int(rng.integers(0, h)), int(rng.integers(1, 4 if k % 3 else 12))
            mask[row : row + rows, int(rng.integers(0, w)) : int(rng.integers(0, w + 1))] = 1
        if k % 2:
            mask |= (rng.random((h, w)) < rng.choice([0.01, 0.05, 0.3])).astype(np.uint8)
        if k % 5 == 0:
            mask *= np.uint8(255)
        count, labels, stats = rules.components(mask)
        fast_count, fast_labels, fast_stats = rules.inked_components(mask)
        assert fast_count == count and np.array_equal(fast_labels, labels)
        assert np.array_equal(fast_stats[1:], stats[1:])  # the background's row differs


def test_it_labels_pieces_of_ink_as_the_default_connected_components_do():
    rng = np.random.default_rng(0)
    for k in range(600):
        h, w = int(rng.integers(1, 120)), int(rng.integers(1, 160))
        mask = (rng.random((h, w)) < rng.choice([0.02, 0.1, 0.3, 0.5, 0.7, 0.9])).astype(np.uint8)
        if k % 3 == 0:
            mask = cv2.dilate(mask, np.ones((int(rng.integers(1, 4)), int(rng.integers(1, 4))), np.uint8))
        count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        fast = rules.components(mask)
        assert fast[0] == count and np.array_equal(fast[1], labels) and np.array_equal(fast[2], stats)


def _page_blobs(image: bytes):
    from ml.load import load_image

    ink = segment.ink_map(load_image(image)[0])
    mask, ink, _ = segment.remove_rules(segment.binarize(ink), ink)
    return mask, ink, segment.find_blobs(mask, ink)


def _same_crop(a, b) -> bool:
    if a is None or b is None:
        return a is b
    same = all(np.array_equal(x, y) and x.dtype == y.dtype for x, y in zip(a[4:], b[4:], strict=True))
    return a[:4] == b[:4] and same


def test_it_cuts_a_blob_read_whole_as_its_lattice_does_at_an_unbounded_height():
    rng = np.random.default_rng(9)
    for condition in ("touching", "worksheet", "mixed"):
        _, _, blobs = _page_blobs(synth.make_sample(rng, condition).image)
        assert blobs
        for blob in blobs:
            assert _same_crop(seams.whole(blob), seams.lattice(blob, float("inf"))[1][(0, 1)])


def test_it_finds_the_same_marks_where_it_skips_labelling_a_window_of_the_numbers_own_ink(
    reader, clear_digits, monkeypatch
):
    from ml import signs

    from .conftest import math_photo

    calls = []
    find_marks = signs.find_marks
    monkeypatch.setattr(signs, "find_marks", lambda *args: calls.append(args) or find_marks(*args))
    rng = np.random.default_rng(10)
    labels = ("-12", "3.5", "3/4", "-0.5")
    photos = [math_photo(clear_digits, label, seed) for seed, label in enumerate(labels)]
    photos += [synth.make_sample(rng, condition).image for condition in ("mixed", "ruled", "worksheet") * 3]
    for photo in photos:
        reader.read(photo)
    fast = [find_marks(*args) for args in calls]
    monkeypatch.setattr(signs, "_ink_besides", lambda mask, blobs, window: True)
    labelled = [find_marks(*args) for args in calls]
    assert any(labelled) and sum(not m for m in labelled) > len(calls) // 2
    for a, b in zip(fast, labelled, strict=True):
        assert [(m.x, m.y, m.w, m.h) for m in a] == [(m.x, m.y, m.w, m.h) for m in b]
        for m, n in zip(a, b, strict=True):
            assert np.array_equal(m.mask, n.mask) and np.array_equal(m.soft, n.soft)


def test_it_finds_the_same_seams_for_the_blobs_of_a_page_together_as_one_by_one():
    rng = np.random.default_rng(12)
    cut = 0
    for condition in ("touching", "worksheet", "mixed"):
        _, _, blobs = _page_blobs(synth.make_sample(rng, condition).image)
        heights = [
            h * f for h, f in zip(segment.line_heights(blobs), rng.uniform(0.4, 1.1, len(blobs)), strict=True)
        ]
        for blob, height, (cuts, severed) in zip(blobs, heights, seams.seams_of(blobs, heights), strict=True):
            alone = seams.seams(blob, height)
            assert severed == alone[1] and len(cuts) == len(alone[0])
            assert all(
                np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(cuts, alone[0], strict=True)
            )
            cut += len(cuts) > 2
    assert cut >= 3


def _walk_up(local: np.ndarray) -> np.ndarray:
    """Each anchor's cheapest path climbed cell by cell through a 3-D index: (anchors, rows)."""
    framed = seams._framed_costs(local)
    drifted = framed[:-1] + np.float32(seams.SEAM_DRIFT)
    left, right = drifted[:, :, :-2], drifted[:, :, 2:]
    back = np.where(left <= right, -1, 1)
    back[framed[:-1, :, 1:-1] <= np.minimum(left, right)] = 0
    paths = [framed[-1, :, 1:-1].argmin(axis=1)]
    for r in range(local.shape[0] - 2, -1, -1):
        paths.append(paths[-1] + back[r, np.arange(local.shape[1]), paths[-1]])
    return np.stack(paths[::-1], axis=1)


def test_it_climbs_the_cheapest_paths_by_flat_lookups_as_cell_by_cell():
    rng = np.random.default_rng(3)
    for rows, anchors, offsets in ((2, 1, 3), (30, 7, 9), (55, 20, 13)):
        local = rng.random((rows, anchors, offsets)).astype(np.float32) * rng.integers(
            0, 2, (rows, anchors, 1)
        )
        local[:, :, 0] = np.inf  # a band's edge past the blob
        ((columns, _),) = seams._cheapest_paths([local])
        assert np.array_equal(columns, _walk_up(local))


def test_it_maps_an_unrotated_box_back_as_the_corner_products_do():
    to_original = reader_module._box_mapper(None, 1.37, 0.81, 500, 400)
    identity = reader_module._box_mapper(np.float64([[1, 0, 0], [0, 1, 0]]), 1.37, 0.81, 500, 400)
    rng = np.random.default_rng(4)
    for x, y, w, h in rng.integers(0, 380, (300, 4)) + [0, 0, 1, 1]:
        assert to_original((x, y, w, h)) == identity((x, y, w, h))


def test_it_measures_the_rules_angles_all_at_once_as_one_by_one():
    # ml.rules.remove_rules takes one arctan2 over every segment HoughLinesP found.
    rng = np.random.default_rng(6)
    for n in (1, 2, 3, 7, 8, 9, 17, 40):
        ends = rng.integers(0, 1200, (n, 4)).astype(float)
        at_once = np.degrees(np.arctan2(ends[:, 3] - ends[:, 1], ends[:, 2] - ends[:, 0]))
        one_by_one = [np.degrees(np.arctan2(y2 - y1, x2 - x1)) for x1, y1, x2, y2 in ends]
        assert np.array_equal(at_once, np.array(one_by_one))
