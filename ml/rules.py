"""Ruled lines: found with a Hough transform, straightened and erased (step 3 of ml.segment).

The strokes that cross a rule keep their pixels there, and a stroke lying
along a rule (the base of a 2) survives because it is thicker than the rule.
"""

from __future__ import annotations

import cv2
import numpy as np

from ml.order_stats import median

RULE_SPAN = 0.34  # a ruled line crosses at least this fraction of the page (7s in a row do not)
RULE_LONGER = 1.3  # ... and is at least this many digit heights long (one 7's bar is not)
# ... or this many when the image holds one tall piece of ink (a lone digit, or touching digits):
# there a 7's bar or a 0's base can be as long as the image is wide. At 1.3, 71 of 20,000 lone
# MNIST training digits (28x28, enlarged like any small image) had their bar taken for a rule (a
# 7 read as 1, a 0 as "01"); at 1.7, 7; at 2.0, none. Tuning photos read the same or better.
LONE_RULE_LONGER = 2.0
# The small kernels, made once (np.ones costs about as much as dilating a page's rows).
_ROW7, _COLUMN3, _GROW = np.ones((1, 7), np.uint8), np.ones((3, 1), np.uint8), np.ones((3, 5), np.uint8)


def remove_rules(mask: np.ndarray, ink: np.ndarray):
    """Erase long straight lines. Returns (mask, ink, affine or None).

    When lines are found the page is rotated to make them horizontal; the
    2x3 affine maps original working coordinates to the straightened ones.
    """
    h, w = mask.shape
    if w < 60:
        return mask, ink, None
    # Only near-horizontal runs can belong to a rule: the rest of the ink
    # (digit stems and curves) gets no vote in the Hough transform.
    flat = cv2.morphologyEx(mask, cv2.MORPH_OPEN, _ROW7)
    span = int(RULE_SPAN * w)
    inked = _rule_room(flat, span)
    if inked is None:
        return mask, ink, None
    # On a small image a 7's bar or a 2's base can span a third of it: a rule
    # is also clearly longer than a digit is tall.
    height, lone = _piece_height(mask)
    span = max(span, round((LONE_RULE_LONGER if lone else RULE_LONGER) * height)) if height else span
    if span >= w:
        return mask, ink, None
    segments = cv2.HoughLinesP(
        flat[: inked[0], : inked[1]],
        1,
        np.pi / 360,
        threshold=max(30, w // 4),
        minLineLength=span,
        maxLineGap=4,
    )
    if segments is None:
        return mask, ink, None
    ends = segments.reshape(-1, 4).astype(float)  # x1, y1, x2, y2
    # One arctan2 over all segments: the same angles as one call per segment (NumPy's loop reads
    # the last few values the same way as the rest; tests/ml/test_exact_rewrites.py).
    angles = np.degrees(np.arctan2(ends[:, 3] - ends[:, 1], ends[:, 2] - ends[:, 0]))
    angles = angles[np.abs(angles) < 12]
    if not angles.size:
        return mask, ink, None
    angle = float(median(angles))
    affine = None
    if abs(angle) > 0.3:
        affine = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        ink = cv2.warpAffine(ink, affine, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
        mask = cv2.warpAffine(mask, affine, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    length = max(25, w // 5)
    # A thin rule straightened by a slightly wrong angle steps by a row here
    # and there: after a rotation, look for long runs in the mask thickened by
    # a row each way.
    thickened = mask if affine is None else cv2.dilate(mask, _COLUMN3)
    runs = long_runs(thickened, length)
    core = mask & runs
    rule = _rule_thickness(core)
    rules = cv2.dilate(core, _COLUMN3)
    kept = mask & (1 - rules)
    # Strokes crossing a rule lost a short run of pixels: bridge it vertically.
    thickness = max(3, rule + 4)
    bridged = cv2.morphologyEx(kept, cv2.MORPH_CLOSE, np.ones((thickness, 1), np.uint8))
    mask = kept | ((bridged | _thicker_than_rule(mask, core)) & rules)
    # The ink stays where the mask is or no rule was: ink * mask + ink * (1 - rules) * (1 - mask).
    # (np.where's values, copied by OpenCV in half the time.)
    kept = ((mask > 0) | (rules == 0)).view(np.uint8)
    return mask, cv2.copyTo(ink, kept, np.zeros_like(ink)), affine


def _piece_height(mask: np.ndarray) -> tuple[float | None, bool]:
    """The height of the tallest piece of ink that is not a frame, whatever its width (a
    lone 7 fills a small image), and whether it is the only piece over a quarter as tall; (None,
    False) when there is none."""
    boxes = outer_boxes(mask)
    h_img = mask.shape[0]
    frame = (boxes[:, 3] > 0.9 * h_img) & (boxes[:, 2] < 0.1 * boxes[:, 3])
    heights = boxes[~frame & (boxes[:, 3] >= max(6, round(0.02 * min(mask.shape)))), 3]
    if not heights.size:
        return None, False
    tallest = float(heights.max())
    return tallest, int(np.count_nonzero(heights > 0.25 * tallest)) == 1


def _rule_room(flat: np.ndarray, span: int) -> tuple[int, int] | None:
    """None when HoughLinesP cannot find a segment spanning `span` columns at under 12 degrees;
    else the rows and columns it needs to see: up to the last ink, or a little past it.

    Its walk along a line steps over at most 4 missing pixels (maxLineGap),
    so at such angles it moves at most 5 columns and 2 rows from one ink
    pixel to the next: growing the ink by 2 columns and 1 row each way joins
    every segment it can find into one piece at least `span` columns wide.
    Most pages have no such piece, and the transform is the slowest step.

    Blank rows below the ink and blank columns right of it change nothing the transform does
    (the same points in the same order, at the same coordinates, so the same votes and walks;
    a walk ends at the last ink either way) but make its accumulator, cleared per call, larger
    (tests/ml/test_exact_rewrites.py): cropped, a number photo's transform costs 3.5% less.
    """
    boxes = outer_boxes(cv2.dilate(flat, _GROW))
    if not (boxes[:, 2] >= span).any():
        return None
    return int((boxes[:, 1] + boxes[:, 3]).max()), int((boxes[:, 0] + boxes[:, 2]).max())


def _thicker_than_rule(mask: np.ndarray, core: np.ndarray) -> np.ndarray:
    """Ink in vertical runs clearly longer than the rule under it is thick.

    A stroke lying along a rule (the base of a 2) is thicker there than the
    rule alone, so it survives the erasing. Each rule is measured on its own:
    two rules drawn close together make one thick band, not a stroke.
    """
    _, labels, stats = inked_components(core)
    thickness = stats[:, cv2.CC_STAT_AREA] / np.maximum(stats[:, cv2.CC_STAT_WIDTH], 1)
    thickness[0] = np.inf
    thick = np.zeros(mask.shape, np.uint8)
    if len(thickness) == 1:
        return thick
    # Only the rows near a rule are looked at: a run cut short `reach` rows from its band is
    # still longer than any rule's bar, so it is judged as the whole run would be.
    reach = int(np.ceil(thickness[1:].max())) + 5
    for top, bottom in _row_windows(core, reach):
        # The erased band is the rule grown by a row each way: it takes the rule's label.
        near = cv2.dilate(labels[top:bottom].astype(np.float32), _COLUMN3).astype(np.int32)
        # Away from every rule the bar is infinite: compare only inside the bands.
        band = near > 0
        runs = _vertical_runs(mask[top:bottom])
        thick[top:bottom][band] = runs[band] > thickness[near[band]] + 3
    return thick


def inked_components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """components(mask), scanning only the rows and columns that hold ink: the same count,
    labels and stats, but for the background's (row 0), which is left as it comes.

    The labeller numbers pieces in the order its 2x2 blocks first meet them, rows of
    blocks from the top. The runs of row pairs (0-1, 2-3, ...) holding ink are stacked,
    two blank rows between them, from an even column on: the blocks and their order stay,
    and so do the numbers (tests/ml/test_exact_rewrites.py), but blank rows are skipped.
    """
    h, w = mask.shape
    columns = np.flatnonzero(_column_sums(mask))
    if not columns.size:
        return components(mask)
    left, right = int(columns[0] - columns[0] % 2), int(columns[-1] + 1)
    inked = np.append(_row_sums(mask) > 0, False)
    pairs = inked[0:h:2] | inked[1 : h + 1 : 2]
    edges = np.diff(np.concatenate(([0], pairs.astype(np.int8), [0])))
    starts, stops = 2 * np.flatnonzero(edges == 1), np.minimum(2 * np.flatnonzero(edges == -1), h)
    at = np.concatenate(([0], np.cumsum(stops - starts + 2)[:-1]))  # each run's first row in the stack
    blank = np.zeros((2, right - left), mask.dtype)
    runs = list(zip(starts.tolist(), stops.tolist(), strict=True))
    stack = np.concatenate([part for a, b in runs for part in (mask[a:b, left:right], blank)])
    count, stacked, stats = components(stack)
    labels = np.zeros((h, w), np.int32)
    for (a, b), row in zip(runs, at.tolist(), strict=True):
        labels[a:b, left:right] = stacked[row : row + b - a]
    run = np.searchsorted(at, stats[1:, cv2.CC_STAT_TOP], side="right") - 1
    stats[1:, cv2.CC_STAT_TOP] += starts[run] - at[run]
    stats[1:, cv2.CC_STAT_LEFT] += left
    return count, labels, stats


def _row_sums(values: np.ndarray) -> np.ndarray:
    # cv2.reduce sums rows far faster than it takes their maxima (REDUCE_MAX) or NumPy reduces them.
    return cv2.reduce(values, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel()


def _row_windows(core: np.ndarray, reach: int) -> list[tuple[int, int]]:
    """(top, bottom) row ranges holding every row within `reach` rows of a row with ink."""
    inked = _row_sums(core) > 0
    covered = cv2.dilate(inked.astype(np.uint8).reshape(-1, 1), np.ones((2 * reach + 1, 1), np.uint8)).ravel()
    edges = np.diff(np.concatenate(([0], covered.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def _vertical_runs(mask: np.ndarray) -> np.ndarray:
    """For every ink pixel, the length of the vertical run of ink it lies in."""
    # Columns laid end to end with a gap between them: one flat pass finds every run.
    h, w = mask.shape
    columns = np.zeros((w, h + 2), np.int8)
    columns[:, 1:-1] = (mask > 0).T
    flat = columns.ravel()
    edges = np.diff(flat)  # +1 where a run starts, -1 just after it ends
    starts = np.flatnonzero(edges == 1)
    lengths = np.flatnonzero(edges == -1) - starts
    runs = np.zeros((w, h + 2), np.int32)
    runs.ravel()[flat.view(bool)] = np.repeat(lengths, lengths)
    return np.ascontiguousarray(runs[:, 1:-1].T)


def _rule_thickness(rules: np.ndarray) -> int:
    """The typical height of one ruled line, in pixels (a column may cross several)."""
    if rules.shape[0] < 2:
        return 1  # one row: each column crosses its rule once, one row high
    # Column sums by cv2.reduce: the same integers as ndarray.sum(axis=0), several times faster.
    starts = rules[0].astype(np.int32) + _column_sums(rules[1:] & (1 - rules[:-1]))
    height = _column_sums(rules)
    crossing = starts > 0
    if not crossing.any():
        return 1
    return max(1, int(np.ceil(median(height[crossing] / starts[crossing]))))


def _column_sums(values: np.ndarray) -> np.ndarray:
    return cv2.reduce(values, 0, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel()


def outer_boxes(mask: np.ndarray) -> np.ndarray:
    """(n, 4) x, y, w, h of the pieces of ink not inside another one.

    Outer contours bound the same pieces as 8-connected components, several
    times faster than connectedComponentsWithStats (which sums every pixel).
    """
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return np.array([cv2.boundingRect(c) for c in contours], np.int32).reshape(-1, 4)


def long_runs(mask: np.ndarray, length: int) -> np.ndarray:
    """The opening of a uint8 mask by a (length, 1) line: the ink of horizontal runs that long.

    The line is one row tall, so each row is opened on its own, and a row with
    fewer than min(width, ceil(length / 2)) pixels of ink has no window of the
    line full of ink (one reaching past the border needs only the part inside):
    it opens to nothing. Most rows are such rows, so only the others are opened.
    """
    need = min(mask.shape[1], -(-length // 2))
    # A uint8 row's sum is at least its count of ink pixels.
    rows = np.flatnonzero(cv2.reduce(mask, 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel() >= need)
    runs = np.zeros_like(mask)
    if rows.size:
        line = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1))
        runs[rows] = cv2.morphologyEx(mask[rows], cv2.MORPH_OPEN, line)
    return runs


def components(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """cv2.connectedComponentsWithStats(mask, connectivity=8) less the centroids: the same
    count, labels and stats (tests/ml/test_exact_rewrites.py), from the BBDT scan, which
    is faster here than the default and numbers the pieces alike."""
    count, labels, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(mask, 8, cv2.CV_32S, cv2.CCL_BBDT)
    return count, labels, stats
