"""Erase a blank template's print from the ink of one answer area, keeping the handwriting on it.

    printed = snap_print(ink, printed, reach)     # the print moved onto the page's own ink
    written = remove_print(mask, printed, scale)  # the page's ink without the print

What the template prints inside an area (the box border, an underline, a
dotted line, a printed hint) is known from the aligned template; it is
erased from the page's ink except where a handwritten stroke crosses it or
lies along it, measured on the page itself.
"""

from __future__ import annotations

import cv2
import numpy as np

SLIVER = 3  # ink narrower than this beside the print is what is left of a border
LINE_WINDOW = 20  # a printed line shorter than twice this is not measured
LINE_MARGIN, LINE_RATIO = 3, 0.4  # ink across a line this much thicker than usual is a stroke on it
MISFIT = 0.5  # a printed line with less of its length than this on the page's ink is misplaced


def remove_print(mask: np.ndarray, printed: np.ndarray, scale: float, lines=None, unsure=False):
    """The page's ink without the template's print, keeping strokes that cross it.

    The print is grown by what remains of the alignment error. Inside it, ink
    stays where a stroke runs through from both sides (a closing bridges the gap).
    `lines`: printed_lines(printed, scale), where the caller has them already.
    With `unsure`, (written, along): `along` is the part of `written` kept only because it
    lay on a line thicker than the line (_along_lines), which may be a stroke or a border.
    """
    grow = 1 + round(1.5 * scale)
    printed = printed.astype(np.uint8)
    band = cv2.dilate(printed, _disc(grow))
    written = mask & (1 - band)
    half = 0.5 * min(_run_length(printed), _run_length(printed, 1)) if printed.any() else 0.0
    span = 2 * (grow + round(half)) + 3
    # Columns bridge horizontal print, rows vertical print: a stroke crossing either keeps its width.
    bridge = cv2.morphologyEx(written, cv2.MORPH_CLOSE, np.ones((span, 1), np.uint8))
    bridge |= cv2.morphologyEx(written, cv2.MORPH_CLOSE, np.ones((1, span), np.uint8))
    flat, tall = printed_lines(printed, scale) if lines is None else lines
    crossed = written | (bridge & band & mask)
    along = _along_lines(mask, flat, tall, grow) & band & mask & (1 - crossed)
    written = _per_line((crossed | along).astype(np.uint8), mask, flat, tall, grow)
    written = _without_slivers(written, printed, grow)
    return (written, written & along) if unsure else written


def _without_slivers(written: np.ndarray, printed: np.ndarray, grow: int) -> np.ndarray:
    """`written` without the long thin slivers that a blurred, thicker border leaves along its band.

    A pen stroke is several pixels wide at this scale; what survives beside a
    printed line, a pixel or two wide and running straight along it, is the edge
    of the border itself (read as a 1, or with the top border as a 7).
    """
    thin = written & (1 - cv2.morphologyEx(written, cv2.MORPH_OPEN, np.ones((SLIVER, SLIVER), np.uint8)))
    if not thin.any():
        return written
    length = 4 * grow + 9
    along = cv2.morphologyEx(thin, cv2.MORPH_OPEN, np.ones((length, 1), np.uint8))
    along |= cv2.morphologyEx(thin, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))
    if not along.any():
        return written
    near = cv2.dilate(printed, np.ones((6 * grow + 5, 6 * grow + 5), np.uint8))
    # A sliver is a little wider than one pixel in places: take its close neighbourhood with it.
    sliver = cv2.dilate(along & near, np.ones((3, 3), np.uint8)) & thin
    return (written & (1 - sliver)).astype(np.uint8)


def printed_lines(printed: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """The print's horizontal and vertical lines in an area drawn at `scale` (see _lines)."""
    return _lines(printed.astype(np.uint8), 1 + round(1.5 * scale))


def _lines(printed: np.ndarray, grow: int) -> tuple[np.ndarray, np.ndarray]:
    """The print's horizontal and vertical lines: what stays of it under a long bar either way."""
    length = 4 * grow + 9
    flat = cv2.morphologyEx(printed, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))
    tall = cv2.morphologyEx(printed, cv2.MORPH_OPEN, np.ones((length, 1), np.uint8))
    return flat, tall


def _per_line(
    written: np.ndarray, mask: np.ndarray, flat: np.ndarray, tall: np.ndarray, grow: int
) -> np.ndarray:
    """`written` with the ink of a stroke lying along a printed line (the top of a 9 on a border).

    Measured line by line from the page's own ink profile across the line: where
    it is clearly thicker than the line usually is, over a long stretch, a stroke
    lies on it. Pieces are kept only where they touch handwriting.
    """
    # Only along horizontal lines: a stroke beside a vertical border, restored with it, reads as a 1.
    keep = _line_profile(mask, flat, tall, grow)
    return _attached(written, keep & mask)


def _attached(written: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """`written` with the pieces of `kept` that touch it: a stroke along a line belongs to a digit."""
    both = (written | kept).astype(np.uint8)
    if not (kept & (1 - written)).any():
        return both
    _, labels = cv2.connectedComponents(both, connectivity=8)
    ours = np.zeros(labels.max() + 1, bool)
    ours[np.unique(labels[written > 0])] = True
    ours[0] = False
    return ours[labels].astype(np.uint8)


def _line_profile(mask: np.ndarray, flat: np.ndarray, tall: np.ndarray, grow: int):
    """Where a stroke lies along a horizontal line of `flat` (transpose for vertical ones)."""
    keep = np.zeros_like(mask)
    crossing = cv2.dilate(tall.any(axis=0).astype(np.uint8)[None, :], np.ones((1, 4 * grow + 1), np.uint8))[0]
    reach = 3 * grow + 2
    for x0, y0, w, h in _line_boxes(flat):
        if w < 2 * LINE_WINDOW or h > 3 * grow + 6:
            continue
        r0, r1 = max(0, y0 - reach), min(mask.shape[0], y0 + h + reach)
        strip = mask[r0:r1, x0 : x0 + w]
        up = _leading_ink(strip[y0 - r0 + h // 2 :: -1])
        down = _leading_ink(strip[y0 - r0 + h // 2 :])
        on = up > 0
        top = np.where(on, y0 - r0 + h // 2 - up + 1, 1)
        bottom = np.where(on, y0 - r0 + h // 2 + down - 1, 0)
        run = np.where(on, up + down - 1, 0)
        usual = (crossing[x0 : x0 + w] == 0) & on
        if usual.sum() < LINE_WINDOW:
            continue
        base = _percentile_30(run[usual])
        thick = usual & (run >= base + max(LINE_MARGIN, LINE_RATIO * base))
        rows = np.arange(r1 - r0)[:, None]
        span = (rows >= top) & (rows <= bottom)
        # Only a long stretch is a stroke along the line; a stroke across it is bridged already.
        along = cv2.morphologyEx(thick.astype(np.uint8)[None, :], cv2.MORPH_OPEN, np.ones((1, 7 * grow)))[0]
        keep[r0:r1, x0 : x0 + w] |= (span & (along > 0)).astype(np.uint8)
    return keep


def _leading_ink(rows: np.ndarray) -> np.ndarray:
    """Per column, how many rows from the first are ink before the first gap (the cumulative
    product's sum, without its 64-bit copies): the first zero of the column, a blank row added."""
    return np.argmin(np.vstack([rows > 0, np.zeros((1, rows.shape[1]), bool)]), axis=0)


def _along_lines(mask: np.ndarray, flat: np.ndarray, tall: np.ndarray, grow: int) -> np.ndarray:
    """Ink lying along a printed line and clearly thicker than that line is on this page (a pen
    stroke on a box's border: the top of a 7). Each direction is measured on its own."""
    near_flat = cv2.dilate(flat, _disc(grow)) & (1 - cv2.dilate(tall, _disc(2 * grow)))
    near_tall = cv2.dilate(tall, _disc(grow)) & (1 - cv2.dilate(flat, _disc(2 * grow)))
    return _thicker(mask, near_flat) | _thicker(mask, near_tall, across=1)


def _thicker(mask: np.ndarray, near: np.ndarray, across: int = 0) -> np.ndarray:
    """Pixels near horizontal print (`across` 1: vertical print) in runs of ink across it (vertical
    runs; horizontal ones) clearly longer than the print's own."""
    on_line = mask & near
    if np.count_nonzero(on_line) < 10:
        return np.zeros_like(mask)
    length = int(2.0 * _run_length(on_line, across) + 5)
    # An opening with a bar across the print keeps exactly the pixels of runs at least that long.
    bar = np.ones((length, 1) if across == 0 else (1, length), np.uint8)
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, bar) & near


def _run_length(mask: np.ndarray, axis: int = 0) -> float:
    """The mean length of the runs of ink (0/1) along `axis` (0: vertical runs): ink pixels per run."""
    if axis:
        starts = np.count_nonzero(mask[:, 0]) + np.count_nonzero(mask[:, 1:] > mask[:, :-1])
    else:
        starts = np.count_nonzero(mask[0]) + np.count_nonzero(mask[1:] > mask[:-1])
    return float(np.count_nonzero(mask)) / max(1, starts)


def _percentile_30(values: np.ndarray) -> float:
    """np.percentile(values, 30) to the last bit (its linear interpolation, written the same
    way), without its ~0.1 ms of Python on an area's few hundred values."""
    where = (len(values) - 1) * 0.3
    low = int(np.floor(where))
    t = where - low
    a, b = (float(v) for v in np.partition(values, (low, min(low + 1, len(values) - 1)))[low : low + 2])
    return a + (b - a) * t if t < 0.5 else b - (b - a) * (1 - t)


def _disc(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def snap_print(ink: np.ndarray, printed: np.ndarray, reach: int) -> np.ndarray:
    """The print shifted by up to `reach` pixels to where it best lies on the page's ink.

    Registration is right to a pixel or two over the page; this takes out
    what is left locally, so the print can be erased with a thin margin.
    """
    inner = printed[reach:-reach, reach:-reach]
    if reach < 1 or np.count_nonzero(inner) < 10 or min(inner.shape) < 4:
        return printed
    dy, dx = np.unravel_index(int(_overlap(ink, inner, reach).argmax()), (2 * reach + 1,) * 2)
    shift = np.float32([[1, 0, dx - reach], [0, 1, dy - reach]])
    return cv2.warpAffine(printed.astype(np.uint8), shift, printed.shape[::-1], flags=cv2.INTER_NEAREST)


def _overlap(ink: np.ndarray, inner: np.ndarray, reach: int) -> np.ndarray:
    """The page's ink under the print at every shift (dy, dx) up to 2 * reach, flattened: what
    cv2.matchTemplate's TM_CCORR gives, summed along each row's runs of print from the ink's
    running sums (the print is thin lines, ~150 runs an area: twice as fast as matchTemplate)."""
    padded = np.zeros((inner.shape[0], inner.shape[1] + 2), np.int8)
    padded[:, 1:-1] = inner > 0
    # Each run's start and end, in row order: a run ends in its own row before the next one starts.
    rows, columns = np.nonzero(np.diff(padded, axis=1))
    rows, starts, ends = rows[0::2], columns[0::2], columns[1::2]
    width = ink.shape[1] + 1
    sums = np.zeros((ink.shape[0], width), np.float64)
    np.cumsum(ink, axis=1, out=sums[:, 1:])
    side = np.arange(2 * reach + 1)
    shifts = (side[:, None] * width + side[None, :]).ravel()
    sums = sums.ravel()
    after, before = (rows * width + ends)[:, None] + shifts, (rows * width + starts)[:, None] + shifts
    return sums[after].sum(0) - sums[before].sum(0)


def _line_boxes(lines: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Each printed line's bounding box, from its outer contour: connectedComponentsWithStats
    costs 10x as much on an area this small."""
    return [
        cv2.boundingRect(c) for c in cv2.findContours(lines, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0]
    ]


def misfit(mask: np.ndarray, lines: tuple[np.ndarray, np.ndarray]) -> bool:
    """Whether a printed line of the area (`printed_lines`) has less than MISFIT of its length on
    the page's ink.

    A page registered wrong by a few pixels over part of it (a phone photo's
    perspective fitted from features bunched elsewhere) still scores well over
    the whole page, but here the print lies beside the page's border, which is
    then read as a 1 after the answer: the area is doubtful. A neighbour's line
    cut by the window's edge is left out (a pixel decides whether it is in)."""
    near = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8))
    height, width = mask.shape
    for drawn in lines:
        for x, y, w, h in _line_boxes(drawn):
            if min(x, y) <= 1 or x + w >= width - 1 or y + h >= height - 1:
                continue
            if near[y : y + h, x : x + w][drawn[y : y + h, x : x + w] > 0].mean() < MISFIT:
                return True
    return False


def along_a_border(blobs, mask: np.ndarray, written: np.ndarray, lines: tuple, scale: float) -> bool:
    """Whether one of `blobs` touches erased ink of a vertical printed line on every row it spans.

    Such a blob is what is left of the border itself (read as a 1), or a stroke
    lying along it that lost its side with it (8 read 3): the page's ink alone does
    not tell which."""
    erased = mask & (1 - written) & cv2.dilate(lines[1], _disc(2 + round(1.5 * scale)))
    if not erased.any():
        return False
    height, width = mask.shape
    for b in blobs:
        y0, y1, x0, x1 = max(0, b.y - 2), min(height, b.bottom + 2), max(0, b.x - 2), min(width, b.right + 2)
        own = np.zeros((y1 - y0, x1 - x0), np.uint8)
        own[b.y - y0 : b.bottom - y0, b.x - x0 : b.right - x0] = b.mask
        near = cv2.dilate(own, np.ones((5, 5), np.uint8)) & erased[y0:y1, x0:x1]
        if near.any(axis=1).sum() >= b.h:
            return True
    return False
