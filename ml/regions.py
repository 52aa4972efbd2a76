"""Propose the answer areas of a blank worksheet: boxes and underlined blanks, in reading order.

    python -m ml.regions --json BLANK_IMAGE

prints {"regions": [{"name": "1", "box": [x, y, w, h]}, ...]} in the image's
pixels, the format `python -m ml.predict --template` reads. The teacher only
confirms or corrects them.

A box is the empty inside of a printed rectangle: a white component that
fills its bounding rectangle and holds no printed character (a table's
question and header cells are framed too). An underlined blank is a long thin horizontal
line (or a row of dots or dashes) that is not the edge of a box nor inside
one; its area is the writing space above it.
Areas are numbered down each column, columns left to right.
"""

from __future__ import annotations

import argparse
import json
import sys

import cv2
import numpy as np

INK = 150  # gray level below which the blank prints
FRAME_INK = 200  # a box's frame may be printed light grey: this, or 40 below a darker paper
MIN_BOX = 0.012  # of the page height
MAX_BOX_H = 0.2
MAX_BOX_W = 0.9
FILL = 0.85  # a box's inside fills at least this share of its bounding rectangle
MIN_LINE = 0.06  # an underline is at least this share of the page width
CORNER = 0.2  # of a box's shorter side: its corners may be rounded this far
HEADER = 0.13  # a lone underline this high on the page is the name line, not an answer


def propose_regions(image) -> list[dict]:
    """[{"name": "1", "box": [x, y, w, h]}, ...] in the blank image's pixels, reading order."""
    from ml.align import load_gray

    gray, scale = load_gray(image, max_side=None)
    ink = (gray < INK).astype(np.uint8)
    text_h = _text_height(ink)
    light = int(np.clip(np.median(gray) - 40, INK, FRAME_INK))
    # Taller and wider than a character: a letter's inside is framed by straight strokes too (the
    # counter of a title's big "0", 12 x 24 px beside text 20 px tall, passed for a rounded box).
    frames = [b for b in _boxes((gray < light).astype(np.uint8)) if min(b[2], b[3]) >= text_h]
    # A table's question, number and header cells are framed too: their edges are no underlines.
    boxes = [b for b in frames if not _holds_print(ink[b[1] : b[1] + b[3], b[0] : b[0] + b[2]], text_h)]
    lines = _underlines(ink, frames, text_h)
    if len(boxes) + len(lines) > 1:  # the "Name: ____" line at the top is not an answer
        lines = [b for b in lines if b[1] + b[3] >= HEADER * gray.shape[0]]
    ordered = reading_order(boxes + lines)
    return [{"name": str(k + 1), "box": [round(v / scale) for v in box]} for k, box in enumerate(ordered)]


def _boxes(ink: np.ndarray) -> list[list[int]]:
    h_img, w_img = ink.shape
    count, labels, stats, _ = cv2.connectedComponentsWithStats(1 - ink, connectivity=4)
    found = []
    smallest = max(12, MIN_BOX * h_img)
    for i in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[i])
        if x == 0 or y == 0 or x + w >= w_img or y + h >= h_img:
            continue  # the paper around everything, not a box's inside
        if h < smallest or w < 0.5 * h or h > MAX_BOX_H * h_img or w > MAX_BOX_W * w_img:
            continue
        if area < FILL * w * h or not _framed(ink, x, y, w, h):
            continue
        found.append([x, y, w, h])
    return found


def _holds_print(inside: np.ndarray, text_h: float) -> bool:
    """Whether a box's inside holds printed characters: a table's question or number cell, or its
    header, not an answer's empty cell (a dotted writing line's dots are far smaller; a rounded
    corner's arc touches the inside's edge)."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(inside, connectivity=8)
    rows, cols = inside.shape
    for x, y, w, h, _ in stats[1:]:
        if h >= 0.5 * text_h and x > 0 and y > 0 and x + w < cols and y + h < rows:
            return True
    return False


def _framed(ink: np.ndarray, x: int, y: int, w: int, h: int) -> bool:
    """Straight print runs along all four sides (a rectangle, not the inside of a letter)."""
    # Rounded corners leave the ends of each side: only its middle must be straight print.
    trim_x, trim_y = round(CORNER * min(w, h)), round(CORNER * min(w, h))
    sides = [
        ink[max(0, y - 3) : y, x + trim_x : x + w - trim_x],
        ink[y + h : y + h + 3, x + trim_x : x + w - trim_x],
    ]
    sides += [
        ink[y + trim_y : y + h - trim_y, max(0, x - 3) : x].T,
        ink[y + trim_y : y + h - trim_y, x + w : x + w + 3].T,
    ]
    if not all(side.size and side.max(axis=0).mean() > 0.9 for side in sides):
        return False
    # A thin frame: just beyond it the paper is white again (not a marker's or QR code's cell).
    thick = 0
    while y - thick - 1 >= 0 and ink[y - thick - 1, x : x + w].mean() > 0.6 and thick <= 0.15 * h + 2:
        thick += 1
    return thick <= 0.15 * h + 2 and ink[max(0, y - thick - 2), x : x + w].mean() < 0.6


def _underlines(ink: np.ndarray, boxes: list[list[int]], text_h: float) -> list[list[int]]:
    h_img, w_img = ink.shape
    length = max(20, int(MIN_LINE * w_img))
    bar = cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1))
    lines = cv2.morphologyEx(ink | _dots_joined(ink, text_h), cv2.MORPH_OPEN, bar)
    count, _, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    found = []
    for i in range(1, count):
        x, y, w, h, _ = (int(v) for v in stats[i])
        if h > max(6, 0.01 * h_img) or w > MAX_BOX_W * w_img:
            continue
        if any(_edge_of(box, x, y, w, h) or _within(box, x, y, w, h) for box in boxes):
            continue  # a box's edge, or the dotted writing line inside a box
        if not _alone(ink, x, y, w, h):
            continue
        top = _free_above(ink, x, y, w, int(4 * text_h))
        found.append([x, top, w, y + h + int(0.3 * text_h) - top])
    return found


def _dots_joined(ink: np.ndarray, text_h: float) -> np.ndarray:
    """Dots and dashes in a row (a dotted answer line) joined into one line: small flat marks
    closer than most of a character's height. A row of them, unlike a full stop or a minus sign,
    runs on long enough to be taken for an underline."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights, widths = stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH]
    small = (heights <= max(4, 0.25 * text_h)) & (widths <= 1.2 * text_h)
    small[0] = False
    marks = small[labels].astype(np.uint8)
    gap = max(4, round(0.7 * text_h))
    return cv2.morphologyEx(marks, cv2.MORPH_CLOSE, np.ones((1, gap), np.uint8))


def _within(box, x: int, y: int, w: int, h: int) -> bool:
    bx, by, bw, bh = box
    return bx <= x and x + w <= bx + bw and by <= y and y + h <= by + bh


def _alone(ink: np.ndarray, x: int, y: int, w: int, h: int) -> bool:
    """A drawn line with paper above and below it (not the edge of a solid shape)."""
    above = ink[max(0, y - 3), x : x + w].mean()
    below = ink[min(ink.shape[0] - 1, y + h + 2), x : x + w].mean()
    return max(above, below) < 0.3


def _free_above(ink: np.ndarray, x: int, y: int, w: int, most: int) -> int:
    """The top of the writing space above a line: up to `most` rows, stopping at print above it."""
    band = ink[max(0, y - most) : max(0, y - 2), x : x + w].mean(axis=1)
    printed = np.flatnonzero(band > 0.02)
    return max(0, y - most) + (int(printed[-1]) + 1 if len(printed) else 0)


def _edge_of(box, x: int, y: int, w: int, h: int) -> bool:
    bx, by, bw, bh = box
    overlap = min(bx + bw, x + w) - max(bx, x)
    near = min(abs(y - by), abs(y + h - by), abs(y - by - bh), abs(y + h - by - bh)) <= 6
    return overlap > 0.5 * min(bw, w) and near


def _text_height(ink: np.ndarray) -> float:
    """The median height of the printed characters (for the writing space above an underline)."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    widths = stats[1:, cv2.CC_STAT_WIDTH]
    chars = heights[(heights >= 6) & (heights < 0.05 * ink.shape[0]) & (widths < 3 * heights)]
    return float(np.median(chars)) if len(chars) else 0.02 * ink.shape[0]


def reading_order(boxes: list[list[int]]) -> list[list[int]]:
    """Down each column (two columns when a clear gutter splits the areas), then across each row."""
    if not boxes:
        return []
    columns = _columns(boxes)
    ordered = []
    for column in columns:
        ordered += _rows(column)
    return ordered


def _columns(boxes: list[list[int]]) -> list[list[list[int]]]:
    spans = sorted(boxes, key=lambda b: b[0])
    best, split = 0, None
    right = spans[0][0] + spans[0][2]
    for k in range(1, len(spans)):
        gap = spans[k][0] - right
        if gap > best and k >= 2 and len(spans) - k >= 2:
            best, split = gap, k
        right = max(right, spans[k][0] + spans[k][2])
    if split is None:
        return [boxes]
    left, other = spans[:split], spans[split:]
    top = max(min(b[1] for b in left), min(b[1] for b in other))
    bottom = min(max(b[1] + b[3] for b in left), max(b[1] + b[3] for b in other))
    whole = max(b[1] + b[3] for b in boxes) - min(b[1] for b in boxes)
    if bottom - top < 0.4 * whole:
        return [boxes]  # the groups do not sit side by side: one column
    return [left, other]


def _rows(boxes: list[list[int]]) -> list[list[int]]:
    rows: list[list[list[int]]] = []
    for box in sorted(boxes, key=lambda b: b[1] + b[3] / 2):
        centre = box[1] + box[3] / 2
        if rows and abs(centre - np.mean([b[1] + b[3] / 2 for b in rows[-1]])) < 0.5 * box[3]:
            rows[-1].append(box)
        else:
            rows.append([box])
    return [box for row in rows for box in sorted(row, key=lambda b: b[0])]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ml.regions", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the regions JSON (the default)")
    parser.add_argument("image", metavar="BLANK_IMAGE")
    args = parser.parse_args(argv)
    from ml.load import UnreadableImage

    try:
        regions = propose_regions(args.image)
    except UnreadableImage as error:
        print(json.dumps({"file": args.image, "error": str(error)}))
        return 1
    print(json.dumps({"regions": regions}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
