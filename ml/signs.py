"""Math signs in a number: the line model's vocabulary, small marks kept for it, pen-drawn signs.

The line model reads `VOCAB`: the ten digits, minus, decimal point and
fraction bar; its CTC blank is index `BLANK`. A minus or a point is far
smaller than a digit, so ml.segment drops it as a speck or a dash. Here
those small pieces are found again (`find_marks`) and only the ones placed
where a sign can be (`attach`) join a number's strip: a short bar just left
of the first digit, a blot on the baseline between two digits. The line
model then decides whether they are signs (it learned from specks, trailing
dashes and underlines that are not). A fraction bar is as tall as a digit,
so it is an ordinary blob already.

`draw_sign` and `lay_out` draw the signs procedurally as pen strokes between
MNIST *training* digits for ml.compose (augmentation, DEVELOPERS.md's rule).
"""

from __future__ import annotations

import cv2
import numpy as np

from ml.order_stats import median  # np.median, exactly, without its overhead

VOCAB = "0123456789-./"
BLANK = len(VOCAB)  # the CTC blank comes after the vocabulary
SIGNS = "-./"
MAX_LABEL = 8  # characters of the longest training label ("-123.45")

# Where a small mark may be a sign, in units of the number's digit height H.
MINUS_GAP = 0.9  # a leading minus ends at most this far left of the first digit
MINUS_LENGTH = (0.2, 1.3)  # its length
POINT_SIZE = 0.4  # a point's box is at most this tall and wide
POINT_LOW = 0.45  # a point's centre lies below this fraction of the height (from the top)
SPECK_AREA = 0.004  # a mark smaller than this share of H*H is a speck
POINT_GAP = 1.6  # two numbers this close (in H) with a point between them may be one decimal


# A sign read less surely than this is not taken (on tuning photos of training digits, true
# minus signs and points read >= 0.99, signs imagined in integers 0.85-0.99) ...
SIGN_SURE = 0.97
SLASH_SURE = 0.99  # ... and a fraction bar, easily a slanted 1, needs more
# A bar read at least this surely (but below SLASH_SURE) is read as a fraction, flagged for
# review: on tuning photos 10 of 14 misread fractions had their bar read 0.95-0.99 (and then
# came out as "3175", flagged anyway), integers with a 1 read as such a bar 2 in 3,000.
SLASH_DOUBT = 0.95


def is_sign(char: str) -> bool:
    return char in SIGNS


def plausible(found: list, sure: bool = True, slash: float = SLASH_SURE) -> bool:
    """Whether a reading [(symbol, confidence, column), ...] is a number with signs as
    teachers write them: a leading minus, one point or one fraction bar between digits
    (at most two digits on each side of a bar), each sign read surely (unless `sure` is False),
    a bar at least as surely as `slash`."""
    text = "".join(str(c) for c, _, _ in found)
    if not any(is_sign(c) for c in text):
        return False
    body = text[1:] if text.startswith("-") else text
    if not body or not body[0].isdigit() or not body[-1].isdigit() or "-" in body:
        return False
    if body.count(".") + body.count("/") > 1:
        return False
    if "/" in body:
        top, bottom = body.split("/")
        if len(top) > 2 or len(bottom) > 2:
            return False
        if any(len(part) > 1 and part[0] == "0" for part in (top, bottom)):  # "7/04" is a slanted 1
            return False
    return not sure or all(p >= (slash if c == "/" else SIGN_SURE) for c, p, _ in found if is_sign(c))


# ------------------------------------------------------------------ serving


def find_marks(mask: np.ndarray, ink: np.ndarray, blobs: list, window=None) -> list:
    """The pieces of ink find_blobs dropped (too small to be digits), as Blobs: only those
    small enough to be a sign and outside every blob's box. `window` (x0, y0, x1, y1)
    limits the search to part of the page."""
    from ml.segment import Blob

    if not blobs:
        return []
    x0, y0, x1, y1 = window or (0, 0, mask.shape[1], mask.shape[0])
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(mask.shape[1], x1), min(mask.shape[0], y1)
    if x1 <= x0 or y1 <= y0 or not _ink_besides(mask, blobs, (x0, y0, x1, y1)):
        return []
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        np.ascontiguousarray(mask[y0:y1, x0:x1]), connectivity=8
    )
    x, y, w, h, area = (stats[1:, k] for k in range(5))
    x, y = x + x0, y + y0
    tallest = max(b.h for b in blobs)
    small = (area >= 3) & (h <= 0.5 * tallest) & (w <= MINUS_LENGTH[1] * tallest)
    boxes = np.array([(b.x, b.y, b.right, b.bottom) for b in blobs])
    inside = (
        (x[:, None] >= boxes[None, :, 0])
        & (y[:, None] >= boxes[None, :, 1])
        & ((x + w)[:, None] <= boxes[None, :, 2])
        & ((y + h)[:, None] <= boxes[None, :, 3])
    ).any(axis=1)
    marks = []
    for i in np.flatnonzero(small & ~inside):
        left, top, right, bottom = int(x[i]), int(y[i]), int(x[i] + w[i]), int(y[i] + h[i])
        own = labels[top - y0 : bottom - y0, left - x0 : right - x0] == i + 1
        grown = cv2.dilate(own.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        soft = np.where(grown, ink[top:bottom, left:right], 0.0).astype(np.float32)
        marks.append(Blob(left, top, right - left, bottom - top, own, soft))
    return marks


def _ink_besides(mask: np.ndarray, blobs: list, window) -> bool:
    """Whether the window holds ink that is not the blobs' own. A blob is whole pieces of this
    mask (find_blobs), so without such ink every piece in the window is part of one blob and
    inside its box: there is no mark, and the labelling can be skipped."""
    x0, y0, x1, y1 = window
    rest = mask[y0:y1, x0:x1] != 0
    for b in blobs:
        left, top, right, bottom = max(b.x, x0), max(b.y, y0), min(b.right, x1), min(b.bottom, y1)
        if right > left and bottom > top:
            own = b.mask[top - b.y : bottom - b.y, left - b.x : right - b.x]
            rest[top - y0 : bottom - y0, left - x0 : right - x0] &= ~own
    return bool(rest.any())


def with_marks(group: list, mask: np.ndarray, ink: np.ndarray) -> list:
    """A number's blobs and the sign marks beside them, searched only where a sign can be."""
    if not group:
        return group
    height = float(median([b.h for b in group]))
    top, bottom = min(b.y for b in group), max(b.bottom for b in group)
    left, right = min(b.x for b in group), max(b.right for b in group)
    window = (
        int(left - MINUS_GAP * height - MINUS_LENGTH[1] * height),
        int(top - 0.1 * height),
        int(right + 2),
        int(bottom + 0.3 * height),
    )
    return attach(group, find_marks(mask, ink, group, window))


def point_between(left: list, right: list, mask: np.ndarray, ink: np.ndarray) -> bool:
    """Whether a decimal point sits in the gap between two numbers of one line: the gap
    around a point can be wide enough to split "3.5" into "3" and "5"."""
    both = sorted(left + right, key=lambda b: b.x)
    height = float(median([b.h for b in both]))
    start, end = max(b.right for b in left), min(b.x for b in right)
    if end - start > POINT_GAP * height:
        return False
    top, bottom = min(b.y for b in both), max(b.bottom for b in both)
    window = (start - 2, int(top - 0.1 * height), end + 2, int(bottom + 0.3 * height))
    return any(_point(m, both, top, height) for m in find_marks(mask, ink, both, window))


def attach(group: list, marks: list) -> list:
    """The number's blobs and the marks placed where a sign can be, left to right."""
    if not marks or not group:
        return group
    top = min(b.y for b in group)
    height = float(median([b.h for b in group]))
    kept = [m for m in marks if _minus(m, group, top, height) or _point(m, group, top, height)]
    return sorted(group + kept, key=lambda b: b.x) if kept else group


def _minus(mark, group, top: int, height: float) -> bool:
    first = min(group, key=lambda b: b.x)
    long_enough = MINUS_LENGTH[0] * height <= mark.w <= MINUS_LENGTH[1] * height
    flat = mark.h <= 0.35 * height and mark.w >= 1.5 * mark.h
    gap = first.x - mark.right
    centre = (mark.y + mark.h / 2 - top) / height
    return long_enough and flat and -0.05 * height <= gap <= MINUS_GAP * height and 0.2 <= centre <= 0.85


def _point(mark, group, top: int, height: float) -> bool:
    small = mark.w <= POINT_SIZE * height and mark.h <= POINT_SIZE * height
    big_enough = mark.mask.sum() >= SPECK_AREA * height * height
    centre_x = mark.x + mark.w / 2
    between = any(a.right - 2 <= centre_x <= b.x + 2 for a, b in zip(group, group[1:], strict=False))
    low = (mark.y + mark.h / 2 - top) / height >= POINT_LOW
    return small and big_enough and between and low


# ----------------------------------------------------------------- training


def draw_sign(sign: str, rng: np.random.Generator, height: int, pen: float) -> tuple[np.ndarray, int]:
    """One sign as a pen stroke: (ink alpha glyph, its top row measured from the baseline, negative up).

    `pen` is the digits' stroke width in pixels, so a sign is drawn with about the same pen.
    """
    scale = 4  # drawn large and shrunk: anti-aliased edges, sub-pixel thickness
    thick = max(1.0, pen * rng.uniform(0.7, 1.4))
    if sign == "-":
        length = height * rng.uniform(0.3, 0.75)
        angle = np.radians(rng.uniform(-10, 10))
        dx, dy = length * np.cos(angle), length * np.sin(angle)
        points = [(0.0, 0.0), (dx, dy)]
        centre = -height * rng.uniform(0.35, 0.6)
    elif sign == "/":
        tall = height * rng.uniform(0.8, 1.15)
        slant = height * rng.uniform(0.15, 0.55)
        points = [(0.0, 0.0), (slant, -tall)]
        centre = -tall / 2 + height * rng.uniform(-0.05, 0.12)
    else:
        return _blot(rng, height, thick)
    glyph = _stroke(points, thick, scale, rng)
    return glyph, int(round(centre - glyph.shape[0] / 2))


def _stroke(points, thick: float, scale: int, rng) -> np.ndarray:
    pts = np.array(points, np.float64)
    # A hand-drawn stroke bows a little: a midpoint pushed sideways.
    mid = pts.mean(axis=0) + rng.normal(0, 0.03, 2) * np.ptp(pts, axis=0).max()
    pts = np.array([pts[0], mid, pts[1]])
    pad = thick * 2
    pts = (pts - pts.min(axis=0) + pad) * scale
    size = np.ceil(pts.max(axis=0) + pad * scale).astype(int) + 1
    canvas = np.zeros((size[1], size[0]), np.float32)
    cv2.polylines(canvas, [pts.astype(np.int32)], False, 1.0, max(1, round(thick * scale)), cv2.LINE_AA)
    return _shrink(canvas, scale)


def _blot(rng, height: int, thick: float) -> tuple[np.ndarray, int]:
    """A decimal point: a round or smeared dot a little bigger than the pen, on the baseline."""
    scale = 4
    rx = max(thick * rng.uniform(0.55, 1.1), height * rng.uniform(0.035, 0.09))
    ry = rx * rng.uniform(0.6, 1.3)
    side = int(np.ceil(2 * max(rx, ry) + 4)) * scale
    canvas = np.zeros((side, side), np.float32)
    centre = (side // 2, side // 2)
    axes = (max(1, round(rx * scale)), max(1, round(ry * scale)))
    cv2.ellipse(canvas, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1.0, -1, cv2.LINE_AA)
    glyph = _shrink(canvas, scale)
    return glyph, int(round(-glyph.shape[0] + rng.uniform(-0.08, 0.06) * height))


def _shrink(canvas: np.ndarray, scale: int) -> np.ndarray:
    h, w = canvas.shape
    small = cv2.resize(canvas, (max(1, w // scale), max(1, h // scale)), interpolation=cv2.INTER_AREA)
    return np.clip(small * 1.1, 0, 1)


def speck(rng, pen: float) -> np.ndarray:
    """A speck of dust or a pen touch: well below a point's size."""
    r = max(0.6, pen * rng.uniform(0.15, 0.35))
    side = int(np.ceil(2 * r + 2))
    canvas = np.zeros((side * 4, side * 4), np.float32)
    cv2.circle(
        canvas, (side * 2, side * 2), max(1, round(r * 4)), float(rng.uniform(0.5, 1.0)), -1, cv2.LINE_AA
    )
    return _shrink(canvas, 4)


def math_label(rng: np.random.Generator) -> str:
    """A random answer: a plain number (most often), or a negative, a decimal or a fraction."""
    kinds = ["plain", "negative", "decimal", "neg_decimal", "zero_point", "fraction"]
    kind = kinds[int(rng.choice(len(kinds), p=[0.42, 0.15, 0.14, 0.06, 0.08, 0.15]))]

    def some(low: int, high: int, lead: bool = True) -> str:
        count = int(rng.integers(low, high + 1))
        text = "".join(str(d) for d in rng.integers(0, 10, count))
        # A leading zero is rare in an answer; keep the number plain.
        return str(int(rng.integers(1, 10))) + text[1:] if lead and count > 1 and text[0] == "0" else text

    if kind == "plain":
        return some(1, 6)
    if kind == "negative":
        return "-" + some(1, 4)
    if kind == "decimal":
        return some(1, 3) + "." + some(1, 2, lead=False)
    if kind == "neg_decimal":
        return "-" + some(1, 2) + "." + some(1, 2, lead=False)
    if kind == "zero_point":
        return "0." + some(1, 3, lead=False)
    return some(1, 2) + "/" + some(1, 2)


def lay_out(
    tokens: list, rng: np.random.Generator, style, height: int, distract: bool = True
) -> tuple[np.ndarray, int]:
    """Digits (28x28 training images) and signs side by side as an ink-alpha strip, like
    ml.synth.lay_out; with a speck, a trailing dash or an underline now and then that
    are not signs. Returns (strip, baseline row)."""
    from ml import synth

    pen = max(1.0, height * (2.4 + style.stroke) / 20)
    pieces = []
    for item in tokens:
        if isinstance(item, str):
            glyph, top = draw_sign(item, rng, height, pen)
            gap = (-0.02, 0.3) if item == "/" else (0.04, 0.35)
        else:
            glyph, top, gap = synth._glyph(item, rng, style, height), None, style.gap
        pieces.append((glyph, top, gap))
    pad = int(0.3 * height)
    strip_h = int(height * (1.4 + 2 * style.baseline_jitter)) + 2 * pad
    strip_w = sum(g.shape[1] for g, _, _ in pieces) + int(height * 0.6 * len(pieces)) + 3 * pad + height
    strip = np.zeros((strip_h, strip_w), np.float32)
    baseline = pad + int(height * 1.15)
    x = pad
    for k, (glyph, top, gap) in enumerate(pieces):
        if k:
            # Next to a sign the sign's spacing holds; between two digits the style's.
            gap = gap if top is not None else pieces[k - 1][2]
            x = max(0, x + int(rng.uniform(*gap) * height))
        h, w = glyph.shape
        bottom = baseline + int(rng.normal(0, style.baseline_jitter) * height)
        top = bottom - h if top is None else baseline + top
        _put(strip, glyph, int(np.clip(top, 0, strip_h - h)), x)
        x += w
    if distract:
        _distract(strip, rng, pad, x, baseline, height, pen)
    inked = np.flatnonzero(strip.max(axis=0) > 0.05)
    return strip[:, : (inked[-1] if inked.size else x) + pad], baseline


def _distract(strip, rng, left: int, right: int, baseline: int, height: int, pen: float) -> None:
    """Marks that are not signs: a speck, a dash after the number, an underline."""
    roll = rng.random()
    if roll < 0.18:
        dot = speck(rng, pen)
        y = int(rng.uniform(baseline - 1.1 * height, baseline + 0.1 * height))
        x = int(rng.uniform(left, right))
        _put(strip, dot, y, x)
    elif roll < 0.24:
        dash, _ = draw_sign("-", rng, height, pen)
        _put(
            strip,
            dash,
            baseline - int(rng.uniform(0.4, 0.7) * height),
            right + int(rng.uniform(0.3, 0.6) * height),
        )
    elif roll < 0.28:
        y = baseline + int(rng.uniform(0.08, 0.25) * height)
        cv2.line(
            strip, (left, y), (right, y), float(rng.uniform(0.5, 1)), max(1, round(pen * 0.8)), cv2.LINE_AA
        )


def _put(strip: np.ndarray, glyph: np.ndarray, top: int, left: int) -> None:
    h, w = glyph.shape
    top, left = max(0, top), max(0, left)
    region = strip[top : top + h, left : left + w]
    np.maximum(region, glyph[: region.shape[0], : region.shape[1]], out=region)
