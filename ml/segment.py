"""Find handwritten digits on a photo and cut them out the way MNIST did.

The pipeline works on a grayscale "ink map" (0 = paper, 1 = full ink):

1. ink_map: the darkest colour channel (so blue and red ink are as dark as
   black), flipped when the background is dark, divided by a smooth estimate
   of the paper so uneven light and shadows cancel out.
2. binarize: a global threshold on that map, never below a floor, so a blank
   page stays blank instead of turning its noise into digits.
3. remove_rules: ruled lines are found with a Hough transform, the page is
   straightened by their angle and the lines are erased, keeping the pixels
   where a stroke crosses them.
4. find_blobs: connected components; small pieces are merged into the digit
   they belong to (broken strokes) or dropped (specks).
5. lines and numbers: blobs are chained into text lines by vertical overlap,
   and a line is cut into numbers at clear horizontal gaps.
6. cut candidates for blobs wide enough to be touching digits; the reader
   classifies every candidate in one batch and keeps the best split. The
   classifier's "not one digit" class (ml.compose) is what tells a clean
   cut from a merged pair or a fragment.
7. to_mnist: fit in 20x20 keeping the aspect ratio, normalise stroke width,
   pad to 28x28 and centre by centre of mass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

# Ink contrast (fraction of the paper's brightness) below which nothing is ink.
MIN_INK = 0.16
# Stroke width / box size of MNIST digits at the 40 px working scale (calibrated on MNIST).
MNIST_STROKE = 0.18
GAP_FACTOR = 0.75  # a gap wider than this many digit heights separates two numbers
MERGED_WIDTH = 1.4  # a broken digit put back together is at most this many digit heights wide
STACKED_HEIGHT = 1.6  # ... and a piece stacked on it makes it at most this many times taller
STACKED_GAP = 0.15  # ... when the gap between them is at most this many digit heights
RULE_SPAN = 0.34  # a ruled line crosses at least this fraction of the page (7s in a row do not)
RULE_LONGER = 1.3  # ... and is at least this many digit heights long (one 7's bar is not)
WORK_HEIGHT = 48  # digits are read at about this height (to_mnist boxes them in 40 px, a little smaller)
RESCALE_ABOVE = 1.25  # digits up to this many times WORK_HEIGHT are read at the photo's own scale


@dataclass
class Blob:
    """One connected piece of ink, possibly several touching digits."""

    x: int
    y: int
    w: int
    h: int
    mask: np.ndarray  # bool, (h, w): this blob's pixels only
    soft: np.ndarray  # float32, (h, w): ink intensity under a slightly grown mask
    cuts: list = field(default_factory=list)  # candidate splits: list of list of (x0, x1)

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h


# --------------------------------------------------------------------------- ink


def ink_map(image: np.ndarray) -> np.ndarray:
    """RGB or gray uint8 -> float32 ink map in [0, 1]."""
    if image.ndim == 3:
        # cv2's element-wise min is several times faster than a NumPy reduction over channels.
        channels = cv2.split(np.ascontiguousarray(image))
        gray = channels[0]
        for channel in channels[1:]:
            gray = cv2.min(gray, channel)
    else:
        gray = image
    # Polarity needs only rough percentiles: a sample of ~20k pixels is plenty.
    step = max(1, int(np.sqrt(gray.size / 20_000)))
    sample = gray[::step, ::step]
    percentiles = _byte_percentiles if gray.dtype == np.uint8 else _percentiles
    low, median, high = percentiles(sample, (1, 50, 99))
    gray = gray.astype(np.float32)
    if median - low < high - median:  # the background is the dark side: light ink
        gray = 255.0 - gray
    # In place, the same operations as clip(1 - gray / max(paper, 1), 0, 1): fewer page-sized copies.
    ink = _paper(gray)
    np.maximum(ink, 1.0, out=ink)
    np.divide(gray, ink, out=ink)
    np.subtract(1.0, ink, out=ink)
    return np.clip(ink, 0.0, 1.0, out=ink)


def _paper(gray: np.ndarray) -> np.ndarray:
    """A smooth estimate of the paper brightness: a max filter wider than any stroke."""
    h, w = gray.shape
    scale = min(1.0, 128.0 / max(h, w))
    small = cv2.resize(
        gray, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )
    k = max(5, (max(small.shape) // 8) | 1)
    small = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    small = cv2.blur(small, (k, k))
    # The max filter lifts the estimate near bright specks; a wide blur keeps it smooth.
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def binarize(ink: np.ndarray) -> np.ndarray:
    values = (ink * 255).astype(np.uint8)
    otsu, _ = cv2.threshold(values, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    threshold = float(np.clip(0.6 * otsu / 255.0, MIN_INK, 0.45))
    # Grainy paper (noise, JPEG, dim light) must stay blank: ink must stand well
    # clear of the paper's own variation, measured robustly on a sample.
    step = max(1, round(np.sqrt(ink.size / 20_000)))
    sample = ink[::step, ::step]
    centre = float(_median(sample))
    spread = 1.4826 * float(_median(np.abs(sample - centre)))
    threshold = max(threshold, centre + 8 * spread)
    # Hysteresis: faint pixels count when they touch clear ink, so thin joins
    # of a stroke survive while faint noise elsewhere does not.
    weak = (ink > 0.5 * threshold).astype(np.uint8)
    count, labels = cv2.connectedComponents(weak, connectivity=8)
    keep = np.zeros(count, np.uint8)
    keep[labels[ink > threshold]] = 1
    keep[0] = 0
    return np.take(keep, labels)


# ------------------------------------------------------------------------ scale


def rescale(ink: np.ndarray, mask: np.ndarray, min_side: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Shrink the page so that its typical digit is about WORK_HEIGHT pixels tall.

    Every later step costs time in proportion to the pixels (or rows) it
    visits, and to_mnist shrinks each crop to this size anyway. The page is
    never enlarged, nor shrunk below min_side pixels on its longer side.
    """
    height = digit_height(mask)
    if height is None or height < RESCALE_ABOVE * WORK_HEIGHT:
        return ink, mask
    h, w = mask.shape
    scale = max(WORK_HEIGHT / height, min_side / max(h, w))
    if scale > 0.9:
        return ink, mask
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    # The ink map is shrunk and thresholded again: a thin stroke stays whole
    # as fainter ink, where a shrunk mask would break it.
    ink = cv2.resize(ink, size, interpolation=cv2.INTER_AREA)
    return ink, binarize(ink)


def digit_height(mask: np.ndarray) -> float | None:
    """A rough typical digit height: the median height of the larger pieces of ink.

    Straight horizontal runs (ruled lines) are left out first, so that digits
    written on a rule are measured on their own. None when nothing is tall enough.
    """
    h, w = mask.shape
    length = max(25, w // 5)
    runs = cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    boxes = _outer_boxes(mask - runs)
    digit_like = (boxes[:, 3] >= max(6, round(0.02 * min(h, w)))) & (boxes[:, 2] < RULE_SPAN * w)
    heights = boxes[digit_like, 3]
    if not heights.size:
        return None
    return float(_median(heights[heights >= 0.4 * heights.max()]))


def _outer_boxes(mask: np.ndarray) -> np.ndarray:
    """(n, 4) x, y, w, h of the pieces of ink not inside another one.

    Outer contours bound the same pieces as 8-connected components, several
    times faster than connectedComponentsWithStats (which sums every pixel).
    """
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return np.array([cv2.boundingRect(c) for c in contours], np.int32).reshape(-1, 4)


# ------------------------------------------------------------------ ruled lines


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
    flat = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((1, 7), np.uint8))
    span = int(RULE_SPAN * w)
    if not _may_hold_a_rule(flat, span):
        return mask, ink, None
    # On a small image a 7's bar or a 2's base can span a third of it: a rule
    # is also clearly longer than a digit is tall.
    height = _piece_height(mask)
    span = max(span, round(RULE_LONGER * height)) if height else span
    if span >= w:
        return mask, ink, None
    segments = cv2.HoughLinesP(
        flat, 1, np.pi / 360, threshold=max(30, w // 4), minLineLength=span, maxLineGap=4
    )
    if segments is None:
        return mask, ink, None
    angles = [
        np.degrees(np.arctan2(y2 - y1, x2 - x1)) for x1, y1, x2, y2 in segments.reshape(-1, 4).astype(float)
    ]
    angles = [a for a in angles if abs(a) < 12]
    if not angles:
        return mask, ink, None
    angle = float(_median(angles))
    affine = None
    if abs(angle) > 0.3:
        affine = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        ink = cv2.warpAffine(ink, affine, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
        mask = cv2.warpAffine(mask, affine, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    length = max(25, w // 5)
    # A thin rule straightened by a slightly wrong angle steps by a row here
    # and there: after a rotation, look for long runs in the mask thickened by
    # a row each way.
    thickened = mask if affine is None else cv2.dilate(mask, np.ones((3, 1), np.uint8))
    runs = cv2.morphologyEx(thickened, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))
    core = mask & runs
    rule = _rule_thickness(core)
    rules = cv2.dilate(core, np.ones((3, 1), np.uint8))
    kept = mask & (1 - rules)
    # Strokes crossing a rule lost a short run of pixels: bridge it vertically.
    thickness = max(3, rule + 4)
    bridged = cv2.morphologyEx(kept, cv2.MORPH_CLOSE, np.ones((thickness, 1), np.uint8))
    mask = kept | ((bridged | _thicker_than_rule(mask, core)) & rules)
    # The ink stays where the mask is or no rule was: ink * mask + ink * (1 - rules) * (1 - mask).
    return mask, np.where((mask > 0) | (rules == 0), ink, 0.0), affine


def _piece_height(mask: np.ndarray) -> float | None:
    """The height of the tallest piece of ink that is not a frame, whatever its width (a
    lone 7 fills a small image); None when there is none."""
    boxes = _outer_boxes(mask)
    h_img = mask.shape[0]
    frame = (boxes[:, 3] > 0.9 * h_img) & (boxes[:, 2] < 0.1 * boxes[:, 3])
    heights = boxes[~frame & (boxes[:, 3] >= max(6, round(0.02 * min(mask.shape)))), 3]
    return float(heights.max()) if heights.size else None


def _may_hold_a_rule(flat: np.ndarray, span: int) -> bool:
    """Whether HoughLinesP could find a segment spanning `span` columns at under 12 degrees.

    Its walk along a line steps over at most 4 missing pixels (maxLineGap),
    so at such angles it moves at most 5 columns and 2 rows from one ink
    pixel to the next: growing the ink by 2 columns and 1 row each way joins
    every segment it can find into one piece at least `span` columns wide.
    Most pages have no such piece, and the transform is the slowest step.
    """
    grown = cv2.dilate(flat, np.ones((3, 5), np.uint8))
    return bool((_outer_boxes(grown)[:, 2] >= span).any())


def _thicker_than_rule(mask: np.ndarray, core: np.ndarray) -> np.ndarray:
    """Ink in vertical runs clearly longer than the rule under it is thick.

    A stroke lying along a rule (the base of a 2) is thicker there than the
    rule alone, so it survives the erasing. Each rule is measured on its own:
    two rules drawn close together make one thick band, not a stroke.
    """
    _, labels, stats, _ = cv2.connectedComponentsWithStats(core, connectivity=8)
    thickness = stats[:, cv2.CC_STAT_AREA] / np.maximum(stats[:, cv2.CC_STAT_WIDTH], 1)
    thickness[0] = np.inf
    # The erased band is the rule grown by a row each way: it takes the rule's label.
    near = cv2.dilate(labels.astype(np.float32), np.ones((3, 1), np.uint8)).astype(np.int32)
    # Away from every rule the bar is infinite: compare only inside the bands.
    band = near > 0
    thick = np.zeros(mask.shape, np.uint8)
    thick[band] = _vertical_runs(mask)[band] > thickness[near[band]] + 3
    return thick


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
    starts = rules[0].astype(np.int32) + (rules[1:] & (1 - rules[:-1])).sum(axis=0)
    height = rules.sum(axis=0)
    crossing = starts > 0
    if not crossing.any():
        return 1
    return max(1, int(np.ceil(_median(height[crossing] / starts[crossing]))))


# ------------------------------------------------------------------------ blobs


def find_blobs(mask: np.ndarray, ink: np.ndarray) -> list[Blob]:
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    h_img, w_img = mask.shape
    min_h = max(6, round(0.02 * min(h_img, w_img)))
    boxes = [
        [int(v) for v in stats[i, :4]] + [i]
        for i in range(1, count)
        if stats[i, cv2.CC_STAT_HEIGHT] >= 3 and stats[i, cv2.CC_STAT_AREA] >= 6
    ]
    boxes = [b for b in boxes if not _is_frame(b, w_img, h_img)]
    if not boxes:
        return []
    big = [b[3] for b in boxes if b[3] >= min_h]
    if not big:
        return []
    ref = float(_median([b for b in big if b >= 0.4 * max(big)]))
    groups = _merge_pieces(boxes, ref)
    blobs = []
    for group in groups:
        x0 = min(b[0] for b in group)
        y0 = min(b[1] for b in group)
        x1 = max(b[0] + b[2] for b in group)
        y1 = max(b[1] + b[3] for b in group)
        if y1 - y0 < max(min_h, 0.4 * ref) and x1 - x0 < 0.4 * ref:
            continue  # a speck or a dot, not a digit
        if (y1 - y0) < 0.3 * ref:
            continue  # a dash or an underline fragment
        region = labels[y0:y1, x0:x1]
        own = region == group[0][4]
        for piece in group[1:]:
            own |= region == piece[4]
        grown = cv2.dilate(own.view(np.uint8), np.ones((3, 3), np.uint8)).view(bool)
        soft = np.where(grown, ink[y0:y1, x0:x1], 0.0).astype(np.float32, copy=False)
        blobs.append(Blob(x0, y0, x1 - x0, y1 - y0, own, soft))
    return blobs


def _is_frame(box, w_img: int, h_img: int) -> bool:
    """A page edge, margin line or frame: spans the image and is thin."""
    x, y, w, h, _ = box
    tall_line = h > 0.8 * h_img and w < 0.12 * h and h_img > 100
    wide_line = w > 0.8 * w_img and h < 0.12 * w and w_img > 100
    return tall_line or wide_line


def _merge_pieces(boxes: list, ref: float) -> list[list]:
    """Attach small pieces (a broken stroke, the bar of a 5) to the blob above or below them."""
    order = sorted(boxes, key=lambda b: -b[2] * b[3])
    groups: list[list] = []
    for box in order:
        x, y, w, h, _ = box
        target = None
        if h < 0.75 * ref:
            for group in groups:
                gx0 = min(b[0] for b in group)
                gx1 = max(b[0] + b[2] for b in group)
                gy0 = min(b[1] for b in group)
                gy1 = max(b[1] + b[3] for b in group)
                hgap = max(gx0 - (x + w), x - gx1)
                vgap = max(gy0 - (y + h), y - gy1)
                merged_h = max(gy1, y + h) - min(gy0, y)
                merged_w = max(gx1, x + w) - min(gx0, x)
                near = hgap < 0.12 * ref and vgap < 0.25 * ref
                fits = merged_h < 1.4 * ref and merged_w < MERGED_WIDTH * ref
                if near and (fits or _stacked(box, (gx0, gx1, gy1 - gy0), vgap, (merged_w, merged_h), ref)):
                    target = group
                    break
        if target is None:
            groups.append([box])
        else:
            target.append(box)
    return groups


def _stacked(box, group: tuple, vgap: int, merged: tuple, ref: float) -> bool:
    """A piece right on top of (or under) a bigger one, nearly touching: a 5's bar or a
    broken 3, even when the digit is alone and `ref` was measured on its own pieces."""
    x, _, w, _, _ = box
    gx0, gx1, group_h = group
    overlap = min(gx1, x + w) - max(gx0, x)
    size = max(ref, group_h)
    fits = merged[1] < STACKED_HEIGHT * size and merged[0] < MERGED_WIDTH * max(size, merged[1])
    return fits and overlap >= 0.3 * min(w, gx1 - gx0) and vgap <= STACKED_GAP * ref


# ------------------------------------------------------------- lines, numbers


def group_lines(blobs: list[Blob]) -> list[list[Blob]]:
    """Chain blobs into text lines (tolerates slightly rotated writing)."""
    order = sorted(range(len(blobs)), key=lambda i: blobs[i].x)
    parent = list(range(len(blobs)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for pos, i in enumerate(order):
        a = blobs[i]
        best, best_dx = None, None
        for j in order[pos + 1 :]:
            b = blobs[j]
            overlap = min(a.bottom, b.bottom) - max(a.y, b.y)
            if overlap < 0.35 * min(a.h, b.h):
                continue
            dx = b.x - a.right
            if best is None or dx < best_dx:
                best, best_dx = j, dx
        if best is not None:
            parent[find(best)] = find(i)
    lines: dict[int, list[Blob]] = {}
    for i in order:
        lines.setdefault(find(i), []).append(blobs[i])
    return sorted(lines.values(), key=lambda line: np.mean([b.y + b.h / 2 for b in line]))


def line_heights(blobs: list[Blob]) -> list[float]:
    """Each blob's reference digit height: the median blob height of its text line."""
    index_of = {id(b): i for i, b in enumerate(blobs)}
    heights = [float(b.h) for b in blobs]
    for line in group_lines(blobs):
        height = float(_median([b.h for b in line]))
        for blob in line:
            heights[index_of[id(blob)]] = height
    return heights


def split_numbers(line: list[Blob]) -> list[list[Blob]]:
    height = float(_median([b.h for b in line]))
    numbers = [[line[0]]]
    right = line[0].right
    for blob in line[1:]:
        if blob.x - right > GAP_FACTOR * height:
            numbers.append([])
        numbers[-1].append(blob)
        right = max(right, blob.right)
    return numbers


# ------------------------------------------------------------ touching digits
#
# Touching and overlapping digits are over-segmented, then re-assembled by the
# classifier: `seams` proposes curved cuts through the blob (minimum-ink paths
# from top to bottom, so a cut can follow the slanted gap between overlapping
# digits), and `lattice` lists every run of consecutive pieces narrow enough
# to be one digit. The reader classifies all runs in one batch and a dynamic
# programme picks the sequence of runs that explains the whole blob best.

SEAM_DRIFT = 0.15  # cost of one column of sideways drift, in units of one ink pixel crossed
NARROW_BLOB = 0.6  # a blob narrower than this many heights is read whole
SEAM_BAND = 0.25  # a cut strays at most this many line heights from its anchor column
SLIVER = 0.12  # a cut-off piece smaller than this fraction of the run's largest is a sliver
MAX_RUN_WIDTH = 1.6  # a run wider than this many line heights is never one digit
SEAM_SPACING = 0.12  # two cuts closer than this many line heights (on average) are one cut
SEAMS_PER_DIGIT = 3  # cuts proposed per digit-width of blob


def seams(blob: Blob, ref_h: float, limit: int | None = None) -> tuple[list[np.ndarray], list[float]]:
    """Curved cuts through a blob, left to right, each one cut column per row, and
    how many strokes each one severs.

    A cut s keeps the pixels of row r with column < s[r] on its left. The
    first and last cuts are the blob's edges. Inner cuts are minimum-cost
    top-to-bottom paths (cost: the ink they cross plus a small price per
    sideways step), kept when they are local optima, split the ink
    non-trivially and are not near-copies of a cheaper cut.
    """
    h, w = blob.mask.shape
    edges = [np.zeros(h, np.int32), np.full(h, w, np.int32)]
    if w < NARROW_BLOB * max(h, 0.8 * ref_h) or w < 6:  # too narrow for two digits side by side
        return edges, [0.0, 0.0]
    padded = np.zeros((h, w + 2), np.float32)
    np.maximum(blob.mask, blob.soft, out=padded[:, 1:-1], dtype=np.float32)
    # The cut at boundary s lies between columns s-1 and s: it severs a stroke
    # only where ink lies on both sides.
    step = np.minimum(padded[:, :-1], padded[:, 1:])  # (h, w + 1)
    # One cut per anchor column, confined to a band around it so that cuts
    # spread over the whole blob instead of all finding the same cheapest gap.
    band = max(2, round(SEAM_BAND * ref_h))
    anchors = np.arange(0, w + 1, max(1, round(ref_h / 16)))
    outside = np.full((h, band), np.inf, np.float32)
    wide = np.concatenate([outside, step, outside], axis=1)
    offsets = np.arange(2 * band + 1)
    local = wide[:, anchors[:, None] + offsets[None, :]]  # (h, anchors, 2 band + 1)
    totals = _seam_costs(local)
    total = totals[-1]
    # Per row: come straight down, or from one column left or right (ties go
    # straight, then left); decided for every row at once after the costs.
    prev = totals[:-1]
    from_left = np.full_like(prev, np.inf)
    from_right = np.full_like(prev, np.inf)
    np.add(prev[:, :, :-1], SEAM_DRIFT, out=from_left[:, :, 1:])
    np.add(prev[:, :, 1:], SEAM_DRIFT, out=from_right[:, :, :-1])
    back = np.zeros(local.shape, np.int8)
    back[1:] = np.where(
        prev <= np.minimum(from_left, from_right), 0, np.where(from_left <= from_right, -1, 1)
    )
    pos = total.argmin(axis=1)
    cost = total[np.arange(len(anchors)), pos]
    which = np.arange(len(anchors))
    columns = [pos]
    for r in range(h - 1, 0, -1):
        pos = pos + back[r, which, pos]
        columns.append(pos)
    paths = (np.stack(columns[::-1], axis=1) + (anchors - band)[:, None]).astype(np.int32)
    finite = np.isfinite(cost)
    paths, cost = paths[finite], cost[finite]
    area = float(blob.mask.sum())
    row_ink = np.zeros((h, w + 1), np.intp)  # ink left of each boundary
    np.cumsum(blob.mask, axis=1, out=row_ink[:, 1:])
    left = row_ink[np.arange(h)[None, :], np.clip(paths, 0, w)].sum(axis=1)
    useful = (left > 0.04 * area) & (left < 0.96 * area)
    spacing = max(2.0, SEAM_SPACING * ref_h)
    limit = limit or max(4, SEAMS_PER_DIGIT * round(w / (0.6 * ref_h)) + 2)
    result = [edges[0]]
    for path in _distinct_cuts(
        paths, cost, useful, spacing, limit
    ):  # cuts must not cross: each stays right of the previous one
        result.append(np.maximum(path, result[-1]))
    result.append(edges[1])
    # How many strokes each cut severs: the ink it crosses over the stroke width.
    framed = cv2.copyMakeBorder(blob.mask.view(np.uint8), 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    stroke = max(
        1.0, 2.0 * float(cv2.distanceTransform(framed, cv2.DIST_L2, 3)[1:-1, 1:-1][blob.mask].mean())
    )
    crossed = step[np.arange(h)[None, :], np.clip(np.stack(result), 0, w)].sum(axis=1)
    severed = [float(c) / stroke for c in crossed]
    severed[0] = severed[-1] = 0.0
    return result, severed


def _distinct_cuts(paths: np.ndarray, cost: np.ndarray, useful: np.ndarray, spacing: float, limit: int):
    """The cheapest useful cuts, none within `spacing` (mean columns) of a cheaper one; left to right."""
    near = np.abs(paths[:, None, :] - paths[None, :, :]).mean(axis=2) < spacing
    chosen: list[int] = []
    for s in np.argsort(cost, kind="stable"):
        if useful[s] and not near[s, chosen].any():
            chosen.append(s)
            if len(chosen) >= limit:
                break
    chosen.sort(key=lambda s: float(paths[s].mean()))
    return [paths[s] for s in chosen]


def _seam_costs(local: np.ndarray) -> np.ndarray:
    """(rows, anchors, offsets) cost of the cheapest path from the top row to each cell."""
    # An infinite column either side stands for the missing neighbour at the band's edges.
    # min(a + d, b + d) == min(a, b) + d in floating point (rounding is monotonic), so
    # each row costs four array operations.
    rows, anchors, offsets = local.shape
    framed = np.full((rows, anchors, offsets + 2), np.inf, local.dtype)
    totals = framed[:, :, 1:-1]
    totals[0] = local[0]
    best = np.empty_like(local[0])
    for r in range(1, rows):
        prev = framed[r - 1]
        np.minimum(prev[:, :-2], prev[:, 2:], out=best)
        np.add(best, SEAM_DRIFT, out=best)
        np.minimum(prev[:, 1:-1], best, out=best)
        np.add(local[r], best, out=totals[r])
    return totals


def lattice(blob: Blob, ref_h: float) -> tuple[list[float], dict]:
    """(strokes severed by each cut, {(i, j): crop}) for every run of pieces between cut i and cut j.

    A crop is (x, y, w, h, soft, mask) in page coordinates, like `piece`.
    """
    cuts, severed = seams(blob, ref_h)
    h, w = blob.mask.shape
    cols = np.arange(w)[None, :]
    right_of = [cols >= cut[:, None] for cut in cuts]  # each cut's right side, made once
    runs = {}
    for i in range(len(cuts) - 1):
        for j in range(i + 1, len(cuts)):
            whole = i == 0 and j == len(cuts) - 1
            region = right_of[i] & ~right_of[j]
            crop = _crop(blob, region)
            if crop is None:  # no ink between the cuts: a run that reads as nothing
                runs[(i, j)] = None
                continue
            if crop[2] > MAX_RUN_WIDTH * ref_h and not whole:
                continue
            runs[(i, j)] = crop
    return severed, runs


def _crop(blob: Blob, region: np.ndarray):
    mask = blob.mask & region
    if np.count_nonzero(mask) < 4:
        return None
    # A cut through overlapping digits leaves slivers of the neighbour on this
    # side: pieces of ink much smaller than the run's main stroke go.
    count, labels = cv2.connectedComponents(mask.view(np.uint8), connectivity=8)
    if count > 2:
        areas = np.bincount(labels.ravel(), minlength=count)[1:]
        keep = np.concatenate(([False], areas >= SLIVER * areas.max()))
        mask = keep[labels]
        region = region & cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    c0, r0, cw, rh = cv2.boundingRect(mask.view(np.uint8))  # the box of the ink kept
    r1, c1 = r0 + rh, c0 + cw
    soft = np.where(region[r0:r1, c0:c1], blob.soft[r0:r1, c0:c1], 0.0)
    return blob.x + c0, blob.y + r0, cw, rh, soft, mask[r0:r1, c0:c1]


# ------------------------------------------------------------------ MNIST form


def to_mnist(soft: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Normalise one digit crop the way MNIST was made; returns (28, 28) uint8."""
    core = soft[mask] if mask.any() else soft.ravel()
    level = _percentiles(core, (90,))[0] if core.size else 1.0
    soft = np.minimum(soft / max(level * 0.85, 1e-3), 1.0)  # ink is never negative: no lower clip
    soft = _at_box(soft, 40)
    soft = _stroke_width(soft)
    digit = _at_box(soft, 20)
    return _centre(digit)


def _at_box(image: np.ndarray, box: int) -> np.ndarray:
    h, w = image.shape
    scale = box / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    method = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    return cv2.resize(image, size, interpolation=method)


def _stroke_width(image: np.ndarray) -> np.ndarray:
    """Thicken hair-line pens and thin markers towards MNIST's stroke width."""
    # The zero border gives the distance transform a background even for a filled blob.
    binary = cv2.copyMakeBorder((image > 0.5).astype(np.uint8), 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    inside = binary > 0
    if np.count_nonzero(inside) < 8:
        return image
    ratio = 4 * float(cv2.distanceTransform(binary, cv2.DIST_L2, 3)[inside].mean()) / max(image.shape)
    kernel = np.ones((3, 3), np.uint8)
    if ratio < 0.65 * MNIST_STROKE:
        steps = min(3, max(1, round((MNIST_STROKE - ratio) * 40 / 2 / 1.5)))
        return cv2.dilate(image, kernel, iterations=steps)
    if ratio > 1.6 * MNIST_STROKE:
        return cv2.erode(image, kernel, iterations=1)
    return image


def _centre(digit: np.ndarray) -> np.ndarray:
    moments = cv2.moments(digit)
    total = moments["m00"]
    if total <= 0:
        return np.zeros((28, 28), np.uint8)
    cy, cx = moments["m01"] / total, moments["m10"] / total
    shift = np.float32([[1, 0, 14 - cx], [0, 1, 14 - cy]])
    canvas = cv2.warpAffine(
        digit.astype(np.float32, copy=False), shift, (28, 28), flags=cv2.INTER_LINEAR, borderValue=0
    )
    np.multiply(canvas, 255.0, out=canvas)
    return np.clip(canvas, 0, 255, out=canvas).astype(np.uint8)


def _byte_percentiles(values: np.ndarray, qs) -> list[float]:
    """_percentiles of uint8 values, exactly, from a histogram instead of a partition."""
    below = np.cumsum(np.bincount(values.ravel(), minlength=256))  # values <= v, for each v
    ranks = [q / 100 * (values.size - 1) for q in qs]
    bounds = [(int(np.floor(r)), int(np.ceil(r))) for r in ranks]
    # The k-th smallest value (0-based) is the first v with more than k values <= v.
    value = {k: np.float32(np.searchsorted(below, k, side="right")) for pair in bounds for k in pair}
    pairs = zip(ranks, bounds, strict=True)
    return [float(value[lo] + (value[hi] - value[lo]) * (r - lo)) for r, (lo, hi) in pairs]


MEDIAN_BINS = 1024


SMALL_MEDIAN = 64  # up to this many values a sort beats np.median's overhead


def _median(values):
    """np.median of ints or finite floats, exactly, without its overhead.

    A few values are sorted. Many floats (binarize's ink samples, in [0, 1]) go through a
    histogram that finds the bin holding the middle value(s): the bins are monotone in the
    value (anything outside [0, 1] falls in an end bin), so only that bin is partitioned.
    Either way the middle order statistics are averaged as np.mean does (in float64 for
    ints, in the values' dtype for floats).
    """
    flat = np.asarray(values).ravel()
    n = flat.size
    floating = np.issubdtype(flat.dtype, np.floating)
    if n == 0 or not (floating or np.issubdtype(flat.dtype, np.integer)) or not np.isfinite(flat.sum()):
        return np.median(flat)  # nothing, other types, NaN or infinities
    if n <= SMALL_MEDIAN or not floating:
        ordered = np.sort(flat)
        middle = [ordered[(n - 1) // 2], ordered[n // 2]]
    else:
        middle = _middle_by_histogram(flat)
    if not floating:
        return np.float64((float(middle[0]) + float(middle[1])) / 2)
    if n % 2:
        return middle[0]
    return (middle[0] + middle[1]) / flat.dtype.type(2)


def _middle_by_histogram(flat: np.ndarray) -> list:
    """The ((n - 1) // 2)-th and (n // 2)-th smallest of many floats."""
    n = flat.size
    bins = (flat * MEDIAN_BINS).astype(np.int32)
    np.maximum(bins, 0, out=bins)
    np.minimum(bins, MEDIAN_BINS - 1, out=bins)
    counts = np.bincount(bins, minlength=MEDIAN_BINS)
    below = np.cumsum(counts) - counts  # values in lower bins
    ranks = [(n - 1) // 2, n // 2]
    chosen = (np.searchsorted(below, ranks, side="right") - 1).tolist()
    middle = []
    for b in sorted(set(chosen)):
        at = [k - int(below[b]) for k, c in zip(ranks, chosen, strict=True) if c == b]
        part = np.partition(flat[bins == b], at)
        middle += [part[i] for i in at]
    return middle


def _percentiles(values: np.ndarray, qs) -> list[float]:
    """np.percentile's linear interpolation, without its overhead (called per crop)."""
    flat = np.asarray(values, np.float32).ravel()
    ranks = [q / 100 * (flat.size - 1) for q in qs]
    bounds = [(int(np.floor(r)), int(np.ceil(r))) for r in ranks]
    part = np.partition(flat, sorted({i for pair in bounds for i in pair}))
    pairs = zip(ranks, bounds, strict=True)
    return [float(part[lo] + (part[hi] - part[lo]) * (r - lo)) for r, (lo, hi) in pairs]


# ------------------------------------------------------------ whole numbers
#
# The line model (ml.lines) reads a whole number at once, so a digit buried in
# its neighbours is read from its context rather than from a cut that may not
# exist. It sees the number the way the reader found it: the blobs' own ink,
# scaled to a fixed height.

LINE_HEIGHT = 32  # rows of a number strip
LINE_INK = 24  # rows the number's ink spans inside the strip
LINE_PAD = 4  # blank columns left and right
MAX_LINE_WIDTH = 256  # a strip is squeezed to at most this many columns (10+ digits)


def number_strip(blobs: list[Blob]) -> tuple[np.ndarray, float]:
    """The ink of one number's blobs as a (LINE_HEIGHT, W) uint8 strip, W a multiple of 4,
    and its horizontal scale: strip column c is page column min(x) + (c - LINE_PAD) / scale."""
    x0, y0 = min(b.x for b in blobs), min(b.y for b in blobs)
    x1, y1 = max(b.right for b in blobs), max(b.bottom for b in blobs)
    soft = np.zeros((y1 - y0, x1 - x0), np.float32)
    mask = np.zeros(soft.shape, bool)
    for b in blobs:
        region = soft[b.y - y0 : b.bottom - y0, b.x - x0 : b.right - x0]
        np.maximum(region, b.soft, out=region)
        mask[b.y - y0 : b.bottom - y0, b.x - x0 : b.right - x0] |= b.mask
    level = _percentiles(soft[mask], (90,))[0] if mask.any() else 1.0
    soft = np.clip(soft / max(level * 0.85, 1e-3), 0.0, 1.0)
    scale = LINE_INK / soft.shape[0]
    width = min(MAX_LINE_WIDTH - 2 * LINE_PAD, max(1, round(soft.shape[1] * scale)))
    method = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    soft = cv2.resize(soft, (width, LINE_INK), interpolation=method)
    top = (LINE_HEIGHT - LINE_INK) // 2
    total = -(-(width + 2 * LINE_PAD) // 4) * 4
    strip = np.zeros((LINE_HEIGHT, total), np.float32)
    strip[top : top + LINE_INK, LINE_PAD : LINE_PAD + width] = soft
    return np.clip(strip * 255.0, 0, 255).astype(np.uint8), width / (x1 - x0)
