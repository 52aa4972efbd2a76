"""Find handwritten digits on a photo and cut them out the way MNIST did.

The pipeline works on a grayscale "ink map" (0 = paper, 1 = full ink):

1. ink_map: the darkest colour channel (so blue and red ink are as dark as
   black), flipped when the background is dark, divided by a smooth estimate
   of the paper so uneven light and shadows cancel out.
2. binarize: a global threshold on that map, never below a floor, so a blank
   page stays blank instead of turning its noise into digits.
3. remove_rules (ml.rules): ruled lines are found with a Hough transform, the
   page is straightened by their angle and the lines are erased, keeping the
   pixels where a stroke crosses them.
4. find_blobs: connected components; small pieces are merged into the digit
   they belong to (broken strokes) or dropped (specks).
5. lines and numbers: blobs are chained into text lines by vertical overlap,
   and a line is cut into numbers at clear horizontal gaps.
6. cut candidates (ml.seams) for blobs wide enough to be touching digits; the reader
   classifies every candidate in one batch and keeps the best split. The
   classifier's "not one digit" class (ml.compose) is what tells a clean
   cut from a merged pair or a fragment.
7. to_mnist: fit in 20x20 keeping the aspect ratio, normalise stroke width,
   pad to 28x28 and centre by centre of mass.

The order statistics every step uses (exact, without NumPy's overhead) are in
ml.order_stats.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from ml.order_stats import byte_percentiles as _byte_percentiles
from ml.order_stats import median as _median
from ml.order_stats import percentiles as _percentiles
from ml.rules import RULE_SPAN, inked_components, long_runs
from ml.rules import outer_boxes as _outer_boxes
from ml.rules import remove_rules as remove_rules  # re-exported: step 3 of the pipeline
from ml.seams import lattice as lattice  # re-exported: step 6 (ml.compose cuts training crops with it)
from ml.seams import lattices as lattices  # step 6 for all of a page's blobs at once (the reader)
from ml.seams import seams as seams
from ml.seams import whole as whole  # lattice(blob, math.inf)'s one run, made directly

# Ink contrast (fraction of the paper's brightness) below which nothing is ink.
MIN_INK = 0.16
# Stroke width / box size of MNIST digits at the 40 px working scale (calibrated on MNIST).
MNIST_STROKE = 0.18
GAP_FACTOR = 0.75  # a gap wider than this many digit heights separates two numbers
MERGED_WIDTH = 1.4  # a broken digit put back together is at most this many digit heights wide
STACKED_HEIGHT = 1.6  # ... and a piece stacked on it makes it at most this many times taller
STACKED_GAP = 0.15  # ... when the gap between them is at most this many digit heights
FLAG_DEPTH = 0.3  # a flat piece whose box reaches at most this far into a digit's top is its flag
FLAG_WIDE = 1.75  # ... when both together are at most this many times wider than tall
WORK_HEIGHT = 48  # digits are read at about this height (to_mnist boxes them in 40 px, a little smaller)
RESCALE_ABOVE = 1.25  # digits up to this many times WORK_HEIGHT are read at the photo's own scale
_SQUARE = np.ones((3, 3), np.uint8)  # made once: np.ones costs more than many of the small dilations


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
    if image.ndim == 3 and image.dtype == np.uint8:
        # Each pixel's channels lie side by side in a row of bytes: a one-row erosion as wide as a
        # pixel takes their minimum at its first byte (the same bytes as cv2.split and cv2.min,
        # twice as fast; a NumPy reduction over channels is several times slower).
        h, w, c = image.shape
        row = np.ascontiguousarray(image).reshape(h, w * c)
        gray = cv2.erode(row, np.ones((1, c), np.uint8), anchor=(0, 0))[:, ::c]
    elif image.ndim == 3:
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
    threshold = min(max(0.6 * otsu / 255.0, MIN_INK), 0.45)  # np.clip's cost, on one float
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
    # One row of max(count, 256): the byte lookup below wants 256 entries, given as a row (OpenCV
    # looks a column up three times slower, to the same bytes).
    keep = np.zeros((1, max(count, 256)), np.uint8)
    keep[0, labels[ink > threshold]] = 1
    keep[0, 0] = 0
    if count <= 256:  # the usual case: a table lookup on bytes is several times faster than take
        return cv2.LUT(labels.astype(np.uint8), keep)
    return np.take(keep[0], labels)


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
    runs = long_runs(mask, length)
    boxes = _outer_boxes(mask - runs)
    digit_like = (boxes[:, 3] >= max(6, round(0.02 * min(h, w)))) & (boxes[:, 2] < RULE_SPAN * w)
    heights = boxes[digit_like, 3]
    if not heights.size:
        return None
    return float(_median(heights[heights >= 0.4 * heights.max()]))


# ------------------------------------------------------------------------ blobs


def find_blobs(mask: np.ndarray, ink: np.ndarray) -> list[Blob]:
    count, labels, stats = inked_components(mask)  # stats[0], the background's, is not used
    h_img, w_img = mask.shape
    min_h = max(6, round(0.02 * min(h_img, w_img)))
    # [x, y, w, h, label] of the pieces at least 3 rows tall and 6 pixels big, in label order.
    kept = 1 + np.flatnonzero((stats[1:, cv2.CC_STAT_HEIGHT] >= 3) & (stats[1:, cv2.CC_STAT_AREA] >= 6))
    boxes = np.column_stack([stats[kept, :4], kept]).tolist()
    boxes = [b for b in boxes if not _is_frame(b, w_img, h_img)]
    if not boxes:
        return []
    big = [b[3] for b in boxes if b[3] >= min_h]
    if not big:
        return []
    ref = float(_median([b for b in big if b >= 0.4 * max(big)]))
    groups = _join_stacked(_merge_pieces(boxes, ref), ref)
    blobs = []
    for group in groups:
        x0, y0, x1, y1 = _group_box(group)
        if y1 - y0 < max(min_h, 0.4 * ref) and x1 - x0 < 0.4 * ref:
            continue  # a speck or a dot, not a digit
        if (y1 - y0) < 0.3 * ref:
            continue  # a dash or an underline fragment
        region = labels[y0:y1, x0:x1]
        own = region == group[0][4]
        for piece in group[1:]:
            own |= region == piece[4]
        grown = cv2.dilate(own.view(np.uint8), _SQUARE).view(bool)
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
                if near and (
                    fits
                    or _stacked(box, (gx0, gx1, gy1 - gy0), vgap, (merged_w, merged_h), ref)
                    or _flag(box, (gx0, gy0, gx1, gy1), merged_w, merged_h)
                ):
                    target = group
                    break
        if target is None:
            groups.append([box])
        else:
            target.append(box)
    return groups


def _join_stacked(groups: list[list], ref: float) -> list[list]:
    """Join two big pieces one right on top of the other: a digit broken across its middle
    (a 6's stem above its loop). _merge_pieces attaches only pieces under 0.75 `ref`, and
    a lone digit's `ref` is its own pieces' height, so such halves stay apart and are read
    as two numbers on two lines. Pieces that share a line (touching or overlapping digits)
    or lie a line apart (two numbers one under the other) stay apart."""
    if len(groups) < 2:
        return groups
    box = np.array([_group_box(g) for g in groups], np.int64)  # x0, y0, x1, y1
    (x0, y0, x1, y1), (w, h) = box.T[:, :, None], (box[:, 2:] - box[:, :2]).T[:, :, None]
    across = np.minimum(x1, x1.T) - np.maximum(x0, x0.T)
    down = np.minimum(y1, y1.T) - np.maximum(y0, y0.T)  # < 0: the gap between them
    tall = np.maximum(y1, y1.T) - np.minimum(y0, y0.T)
    wide = np.maximum(x1, x1.T) - np.minimum(x0, x0.T)
    join = (
        (across >= 0.5 * np.minimum(w, w.T))
        & (down >= -STACKED_GAP * ref)  # nearly touching: lines of numbers are far further apart
        & (down < 0.35 * np.minimum(h, h.T))  # not on one line (ml.segment.group_lines)
        & (wide <= tall)  # one digit's shape, narrower than tall
    )
    np.fill_diagonal(join, False)
    taken, partner = set(), {}  # the lower index takes both pieces: the blobs' order is as before
    for i, j in zip(*np.nonzero(np.triu(join)), strict=True):
        if i not in taken and j not in taken:
            taken.update((i, j))
            partner[i] = j
    return [
        g + groups[partner[k]] if k in partner else g
        for k, g in enumerate(groups)
        if k not in taken or k in partner
    ]


def _group_box(group: list) -> tuple[int, int, int, int]:
    return (
        min(b[0] for b in group),
        min(b[1] for b in group),
        max(b[0] + b[2] for b in group),
        max(b[1] + b[3] for b in group),
    )


def _stacked(box, group: tuple, vgap: int, merged: tuple, ref: float) -> bool:
    """A piece right on top of (or under) a bigger one, nearly touching: a 5's bar or a
    broken 3, even when the digit is alone and `ref` was measured on its own pieces."""
    x, _, w, _, _ = box
    gx0, gx1, group_h = group
    overlap = min(gx1, x + w) - max(gx0, x)
    size = max(ref, group_h)
    fits = merged[1] < STACKED_HEIGHT * size and merged[0] < MERGED_WIDTH * max(size, merged[1])
    return fits and overlap >= 0.3 * min(w, gx1 - gx0) and vgap <= STACKED_GAP * ref


def _flag(box, group: tuple, merged_w: int, merged_h: int) -> bool:
    """A flat stroke across the top of a bigger piece, their boxes overlapping: a 5's flag drawn
    apart, which often reaches well past the body's right side (wider than _stacked allows)."""
    x, y, w, h, _ = box
    gx0, gy0, gx1, gy1 = group
    on_top = y < gy0 < y + h <= gy0 + FLAG_DEPTH * (gy1 - gy0)
    return 2 * h <= w and on_top and min(gx1, x + w) > max(gx0, x) and merged_w < FLAG_WIDE * merged_h


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
    # Half-integers add up exactly in any order: their sum / count is np.mean's, without its overhead.
    return sorted(lines.values(), key=lambda line: sum(b.y + b.h / 2 for b in line) / len(line))


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
    depth = cv2.distanceTransform(binary, cv2.DIST_L2, 3)[inside]
    ratio = 4 * float(depth.sum() / depth.size) / max(image.shape)  # = .mean(), without its Python layer
    kernel = _SQUARE
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
    return np.minimum(np.maximum(canvas, 0, out=canvas), 255, out=canvas).astype(np.uint8)  # = np.clip


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


def cached_strip(blobs: list[Blob], made: dict | None) -> tuple[np.ndarray, float]:
    """number_strip(blobs), made once per list of blobs while `made` (keyed by the blobs) lives."""
    if made is None:
        return number_strip(blobs)
    key = tuple(map(id, blobs))
    if key not in made:
        made[key] = number_strip(blobs)
    return made[key]


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
