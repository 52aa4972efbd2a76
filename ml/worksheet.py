"""Read the answer areas of a photographed worksheet, against its blank template or a DigitSight sheet.

    result = read_against_template(reader, page, template, regions)
    result = read_sheet(reader, photo)

The page is registered to the template (ml.align), then each answer area is
cut out of the page in the template's frame, a little larger than its box so
that handwriting spilling over the border still belongs to it. What the
template prints inside that window (the box border, an underline, a dotted
line, a printed hint) is erased from the page's ink, except where a
handwritten stroke crosses it. The remaining blobs whose centre lies in the
box are the answer; all areas of a page go to the reader's models together.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from ml import align, segment
from ml.print_removal import along_a_border, misfit, printed_lines, remove_print, snap_print

WORK_SIDE = 1600  # the template frame the areas are cut in (long side, pixels)
AREA_HEIGHT = 80  # each area is resampled so that its box is about this tall
SPILL_X, SPILL_Y = 0.15, 0.3  # the window around a box, in box heights
MIN_DIGIT = 0.22  # a blob shorter than this share of its box is a speck, not a digit
REMNANT = 0.5  # a hairline this tall (share of its box) beside a border is what is left of it
PRINT_INK = 0.3
# Both models read the same digits but the line model gave one of them less than this: on the
# tuning pages half the silent answer errors (456 read 156, 98 read 48: a 4 or 9 the classifier
# took for 1 or 4 at 0.91-0.99), and about 1 right answer in 250.
LINE_DOUBT = 0.7
SHARED_EDGE = 0.05  # boxes whose edges lie this close (share of the smaller box) are cells of one table


class TemplateError(ValueError):
    """The template is not an image we can read, or the regions do not fit it."""


@dataclass
class Template:
    gray: np.ndarray  # the template in the work frame
    scale: float  # work-frame pixels per template pixel
    size: tuple[int, int]  # the template's own (width, height)
    features: align.Features
    printed: np.ndarray  # uint8, 255 where the template prints, in the work frame


def prepare_template(template) -> Template:
    """The template decoded, in the work frame, with its features (cached: a class set shares one)."""
    if isinstance(template, np.ndarray):
        return _prepared(_digest(template.tobytes()), lambda: template)
    if isinstance(template, (str, Path)):
        path = Path(template)
        try:
            stamp = f"{path.resolve()}:{path.stat().st_mtime_ns}"
        except OSError as error:
            raise TemplateError(f"The template cannot be opened: {path} ({error.strerror or error}).")
        return _prepared(stamp, lambda: path)
    data = bytes(template)
    return _prepared(_digest(data), lambda: data)


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


_cache: dict[str, Template] = {}


def _prepared(key: str, source) -> Template:
    if key not in _cache:
        from ml.load import UnreadableImage

        try:
            full, _ = align.load_gray(source(), max_side=None)
        except UnreadableImage as error:
            raise TemplateError(f"The template is not an image we can read: {error}")
        gray, scale = align._shrink(full, WORK_SIDE)
        if len(_cache) > 16:
            _cache.clear()
        size = (full.shape[1], full.shape[0])
        _cache[key] = Template(gray, scale, size, align.features(gray), print_mask(gray))
    return _cache[key]


def check_regions(regions, size: tuple[int, int]) -> list[dict]:
    """Regions as [{"name", "box"}] with boxes inside an image of `size`; TemplateError otherwise."""
    if not isinstance(regions, list) or not regions:
        raise TemplateError("The regions must be a non-empty list of {name, box}.")
    width, height = size
    checked = []
    for k, region in enumerate(regions):
        box = region.get("box") if isinstance(region, dict) else None
        if not isinstance(box, (list, tuple)) or len(box) != 4:
            raise TemplateError(f"Region {k + 1} has no box [x, y, w, h].")
        try:
            x, y, w, h = (float(v) for v in box)
        except (TypeError, ValueError):
            raise TemplateError(f"Region {k + 1}'s box is not four numbers.")
        name = str(region.get("name", k + 1))
        if w <= 0 or h <= 0 or x < -1 or y < -1 or x + w > width + 1 or y + h > height + 1:
            raise TemplateError(f"Region {name!r} ({box}) lies outside the {width}x{height} template image.")
        checked.append({"name": name, "box": [x, y, w, h]})
    return checked


# -------------------------------------------------------------------- reading


def read_against_template(reader, page, template, regions) -> dict:
    """Every region of `template` read on `page`. Raises TemplateError for a bad template or regions."""
    prepared = prepare_template(template)
    regions = check_regions(regions, prepared.size)
    from ml.load import UnreadableImage

    try:
        full, page_scale = align.load_gray(page, max_side=None)
    except UnreadableImage as error:
        return {"aligned": False, "error": str(error)}
    gray, shrink = align._shrink(full, align.MAX_SIDE)
    try:
        fit = align.register(gray, prepared.gray, prepared.features)
    except align.AlignmentError as error:
        return {"aligned": False, "error": str(error)}
    homography = fit.homography @ np.diag([shrink, shrink, 1.0])
    boxes = [[v * prepared.scale for v in r["box"]] for r in regions]
    answers = read_areas(reader, full, homography, prepared.printed, boxes)
    to_page = np.linalg.inv(homography)
    for region, answer, box in zip(regions, answers, boxes, strict=True):
        answer["name"] = region["name"]
        answer["box"] = [round(v / page_scale) for v in align.map_box(box, to_page)]
    return {
        "aligned": True,
        "alignment": round(fit.quality, 3),
        "answers": [public_answer(a) for a in answers],
        "needs_review": any(a["needs_review"] for a in answers),
        "width": round(full.shape[1] / page_scale),
        "height": round(full.shape[0] / page_scale),
    }


def public_answer(answer: dict) -> dict:
    return {k: answer[k] for k in ("name", "number", "confidence", "needs_review", "box")}


def print_mask(template: np.ndarray) -> np.ndarray:
    """Where a blank template prints: 255, else 0 (computed once per template)."""
    return ((segment.ink_map(template) > PRINT_INK) * 255).astype(np.uint8)


def read_areas(reader, page: np.ndarray, homography: np.ndarray, printed: np.ndarray, boxes) -> list[dict]:
    """Each box (template work-frame pixels) read on the page: {"number", "confidence", "needs_review"}.

    `printed` is the template's print_mask in the same frame.
    """
    return read_cuts(reader, cut_areas(page, homography, printed, boxes))


def cut_areas(page: np.ndarray, homography: np.ndarray, printed: np.ndarray, boxes) -> list[tuple]:
    """Each box's handwriting: _area's (its blobs, whether ink left out of it looked like writing,
    the area's (mask, ink), where the reader looks for signs, and None or its other reading)."""
    return [
        _area(page, homography, printed, box, walls)
        for box, walls in zip(boxes, _cell_walls(boxes), strict=True)
    ]


def _cell_walls(boxes) -> list[list]:
    """For each box, the boxes that share one of its edges (the cells of a printed table).

    Their window would reach into the next cell, whose handwriting is another
    answer: a stroke of each crossing the printed line between them joins
    the two into one blob (8562 read 8563)."""
    walls = [[] for _ in boxes]
    for i, a in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            if _share_an_edge(a, boxes[j]):
                walls[i].append(boxes[j])
                walls[j].append(a)
    return walls


def _share_an_edge(a, b) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    across = min(ax + aw, bx + bw) - max(ax, bx) > 0.5 * min(aw, bw)
    down = min(ay + ah, by + bh) - max(ay, by) > 0.5 * min(ah, bh)
    near_y = SHARED_EDGE * min(ah, bh) + 1
    near_x = SHARED_EDGE * min(aw, bw) + 1
    stacked = across and min(abs(ay + ah - by), abs(by + bh - ay)) <= near_y
    side_by_side = down and min(abs(ax + aw - bx), abs(bx + bw - ax)) <= near_x
    return stacked or side_by_side


def read_cuts(reader, cuts: list[tuple]) -> list[dict]:
    """cut_areas' areas read with one batched call per model. A flagged area with another
    reading of its ink (`_area`'s alt) is read that way too (one more call): where the two
    differ, the surer one is given, still flagged. An answer read surely is left as it is,
    so that the second look costs little and never hides a doubt."""
    readings = reader.read_blob_sets([(blobs, *area) for blobs, _, area, _ in cuts])
    answers = [
        _answer(numbers, doubt, reader.review_threshold)
        for (_, doubt, _, _), numbers in zip(cuts, readings, strict=True)
    ]
    again = [k for k, cut in enumerate(cuts) if cut[3] and answers[k]["needs_review"]]
    if not again:
        return answers
    others = reader.read_blob_sets([(kept, *area) for _, kept, area in (cuts[k][3]() for k in again)])
    for k, numbers in zip(again, others, strict=True):
        other = _answer(numbers, cuts[k][1], reader.review_threshold)
        if other["number"] != answers[k]["number"] and _sureness(other) > _sureness(answers[k]):
            answers[k] = {**other, "needs_review": True}
    return answers


def _sureness(answer: dict) -> tuple:
    return (not answer["needs_review"], answer["confidence"])


def _answer(numbers: list[dict], doubt: bool, threshold: float) -> dict:
    if not numbers:
        return {"number": "", "confidence": 0.5 if doubt else 1.0, "needs_review": doubt}
    confidence = float(np.prod([n["confidence"] for n in numbers]))
    return {
        "number": "".join(n["number"] for n in numbers),
        "confidence": round(confidence, 4),
        # Where the line model and the cut digits disagree, one of them is wrong: a person decides.
        "needs_review": confidence < threshold or doubt or not all(map(_trusted, numbers)),
    }


def _trusted(number: dict) -> bool:
    """Where the line model and the cut digits disagree, one of them is wrong; where they agree but
    the line model hesitated, the classifier alone vouches for a digit: a person decides."""
    line = min((c.get("line", 1.0) for c in number.get("digits", ())), default=1.0)
    return number.get("agreed", True) and line >= LINE_DOUBT


def _area(page: np.ndarray, homography: np.ndarray, printed: np.ndarray, box, walls=()) -> tuple:
    """The blobs of handwriting inside one box, whether anything left out looked like writing,
    the (mask, ink) they were found in (where a sign's small marks are looked for), and
    None or, where the ink might be read another way, a function giving _blobs' answer for it.

    `walls`: neighbouring boxes that share an edge with this one; ink inside them,
    beyond the printed line between, is theirs."""
    x, y, w, h = box
    scale = float(np.clip(AREA_HEIGHT / h, 0.5, 3.0))
    pad_x, pad_y = SPILL_X * h, SPILL_Y * h
    size = (round((w + 2 * pad_x) * scale), round((h + 2 * pad_y) * scale))
    frame = np.array([[scale, 0, -(x - pad_x) * scale], [0, scale, -(y - pad_y) * scale], [0, 0, 1]])
    crop = cv2.warpPerspective(page, frame @ homography, size, flags=cv2.INTER_LINEAR, borderValue=255)
    printed = cv2.warpAffine(printed, frame[:2], size, flags=cv2.INTER_LINEAR, borderValue=0) > 96
    ink = segment.ink_map(crop)
    mask = segment.binarize(ink)
    _wall_off(ink, mask, walls, frame, 2 * (1 + round(1.5 * scale)))
    printed = snap_print(ink, printed, 1 + round(2 * scale))
    lines = printed_lines(printed, scale)
    written, along = remove_print(mask, printed, scale, lines, unsure=True)
    inside = (pad_x * scale, pad_y * scale, (pad_x + w) * scale, (pad_y + h) * scale)
    blobs, kept, area = _blobs(written, ink, printed, inside, h, scale)
    # Ink kept only because it lay on a line, thicker there than the line, is a stroke along
    # it (a 7's bar on the top border) or just the blurred junction of a stroke that ends on
    # it (a foot read 7 as 2, a flag 13 as 73): the area is read without it too (read_cuts).
    alt = None
    if any(along[b.y : b.bottom, b.x : b.right][b.mask].any() for b in kept):
        alt = functools.partial(_blobs, written & (1 - along), ink, printed, inside, h, scale)
    # Left out but not a mere speck (a dash, a small digit), the print lying beside the page's own
    # (a page registered wrong here), or a piece lying all along a vertical border: a person looks.
    doubt = any(
        b.h >= 0.8 * MIN_DIGIT * h * scale or b.w >= 0.3 * h * scale
        for b in blobs
        if b not in kept and _centre_in(b, inside)
    ) or misfit(mask, lines)
    doubt = doubt or along_a_border(kept, mask, written, lines, scale)
    return kept, doubt, area, alt


def _blobs(written: np.ndarray, ink: np.ndarray, printed: np.ndarray, inside, h: float, scale: float):
    """(the blobs of `written`, those of them that are the answer, (written, their ink)), for
    a box `h` tall drawn at `scale`."""
    box_h = h * scale
    ink = np.where(written > 0, ink, 0.0).astype(np.float32)
    blobs = segment.find_blobs(written, ink)
    remnants = _border_remnants(blobs, printed, box_h, 3 * (1 + round(1.5 * scale)))
    blobs = [b for b in blobs if not any(b is r for r in remnants)]
    return blobs, [b for b in blobs if _belongs(b, inside, box_h)], (written, ink)


def _wall_off(ink: np.ndarray, mask: np.ndarray, walls, frame: np.ndarray, margin: int) -> None:
    """No ink inside the neighbouring cells `walls`, kept `margin` pixels clear of their edges
    (the printed line between the cells, and the registration error, stay)."""
    height, width = mask.shape
    for x, y, w, h in walls:
        left, top = (frame[:2, :2] @ [x, y] + frame[:2, 2]).round().astype(int) + margin
        right, bottom = (frame[:2, :2] @ [x + w, y + h] + frame[:2, 2]).round().astype(int) - margin
        left, top, right, bottom = max(0, left), max(0, top), min(width, right), min(height, bottom)
        if right > left and bottom > top:
            ink[top:bottom, left:right] = 0
            mask[top:bottom, left:right] = 0


def _border_remnants(blobs, printed: np.ndarray, box_h: float, reach: int) -> list:
    """Blobs that are what a vertical border left beside its band: a long hairline, a pixel or
    two wide, lying all along the border (read as a 1 after the answer). A pen stroke is
    several pixels wide here, and a handwritten 1 leans away from a border it touches."""
    tall = [b for b in blobs if b.h >= REMNANT * box_h and b.w <= max(3, 0.05 * box_h)]
    if not tall:
        return []
    near = cv2.dilate(printed.astype(np.uint8), np.ones((1, 2 * reach + 1), np.uint8))
    return [b for b in tall if near[b.y : b.bottom, b.x : b.right][b.mask].mean() >= 0.9]


def _centre_in(blob, inside) -> bool:
    cx, cy = blob.x + blob.w / 2, blob.y + blob.h / 2
    return inside[0] <= cx <= inside[2] and inside[1] <= cy <= inside[3]


def _belongs(blob, inside, box_h: float) -> bool:
    return _centre_in(blob, inside) and blob.h >= MIN_DIGIT * box_h


def read_sheet(reader, photo) -> dict:
    """A photo of a filled DigitSight answer sheet, read from its markers and QR code alone
    (ml.sheet_reading; here too, where the template reading's callers look for it)."""
    from ml import sheet_reading

    return sheet_reading.read_sheet(reader, photo)
