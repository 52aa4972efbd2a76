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

WORK_SIDE = 1600  # the template frame the areas are cut in (long side, pixels)
AREA_HEIGHT = 80  # each area is resampled so that its box is about this tall
SPILL_X, SPILL_Y = 0.15, 0.3  # the window around a box, in box heights
MIN_DIGIT = 0.22  # a blob shorter than this share of its box is a speck, not a digit
PRINT_INK = 0.3
SLIVER = 3  # ink narrower than this beside the print is what is left of a border
LINE_WINDOW = 20  # a printed line shorter than twice this is not measured
LINE_MARGIN, LINE_RATIO = 3, 0.4  # ink across a line this much thicker than usual is a stroke on it


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
        from ml.reader import UnreadableImage

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
    from ml.reader import UnreadableImage

    try:
        gray, page_scale = align.load_gray(page)
    except UnreadableImage as error:
        return {"aligned": False, "error": str(error)}
    try:
        fit = align.register(gray, prepared.gray, prepared.features)
    except align.AlignmentError as error:
        return {"aligned": False, "error": str(error)}
    boxes = [[v * prepared.scale for v in r["box"]] for r in regions]
    answers = read_areas(reader, gray, fit.homography, prepared.printed, boxes)
    to_page = np.linalg.inv(fit.homography)
    for region, answer, box in zip(regions, answers, boxes, strict=True):
        answer["name"] = region["name"]
        answer["box"] = [round(v / page_scale) for v in align.map_box(box, to_page)]
    return {
        "aligned": True,
        "alignment": round(fit.quality, 3),
        "answers": [_public(a) for a in answers],
        "needs_review": any(a["needs_review"] for a in answers),
        "width": round(gray.shape[1] / page_scale),
        "height": round(gray.shape[0] / page_scale),
    }


def _public(answer: dict) -> dict:
    return {k: answer[k] for k in ("name", "number", "confidence", "needs_review", "box")}


def print_mask(template: np.ndarray) -> np.ndarray:
    """Where a blank template prints: 255, else 0 (computed once per template)."""
    return ((segment.ink_map(template) > PRINT_INK) * 255).astype(np.uint8)


def read_areas(reader, page: np.ndarray, homography: np.ndarray, printed: np.ndarray, boxes) -> list[dict]:
    """Each box (template work-frame pixels) read on the page: {"number", "confidence", "needs_review"}.

    `printed` is the template's print_mask in the same frame.
    """
    cuts = [_area(page, homography, printed, box) for box in boxes]
    readings = reader.read_blob_sets([(blobs, *page) for blobs, _, page in cuts])
    return [
        _answer(numbers, doubt, reader.review_threshold)
        for (_, doubt, _), numbers in zip(cuts, readings, strict=True)
    ]


def _answer(numbers: list[dict], doubt: bool, threshold: float) -> dict:
    if not numbers:
        return {"number": "", "confidence": 0.5 if doubt else 1.0, "needs_review": doubt}
    confidence = float(np.prod([n["confidence"] for n in numbers]))
    return {
        "number": "".join(n["number"] for n in numbers),
        "confidence": round(confidence, 4),
        # Where the line model and the cut digits disagree, one of them is wrong: a person decides.
        "needs_review": confidence < threshold or doubt or not all(n.get("agreed", True) for n in numbers),
    }


def _area(page: np.ndarray, homography: np.ndarray, printed: np.ndarray, box) -> tuple[list, bool, tuple]:
    """The blobs of handwriting inside one box, whether anything left out looked like writing,
    and the (mask, ink) they were found in (where a sign's small marks are looked for)."""
    x, y, w, h = box
    scale = float(np.clip(AREA_HEIGHT / h, 0.5, 3.0))
    pad_x, pad_y = SPILL_X * h, SPILL_Y * h
    size = (round((w + 2 * pad_x) * scale), round((h + 2 * pad_y) * scale))
    frame = np.array([[scale, 0, -(x - pad_x) * scale], [0, scale, -(y - pad_y) * scale], [0, 0, 1]])
    crop = cv2.warpPerspective(page, frame @ homography, size, flags=cv2.INTER_LINEAR, borderValue=255)
    printed = cv2.warpAffine(printed, frame[:2], size, flags=cv2.INTER_LINEAR, borderValue=0) > 96
    ink = segment.ink_map(crop)
    mask = segment.binarize(ink)
    printed = snap_print(ink, printed, 1 + round(2 * scale))
    written = remove_print(mask, printed, scale)
    ink = np.where(written > 0, ink, 0.0).astype(np.float32)
    blobs = segment.find_blobs(written, ink)
    inside = (pad_x * scale, pad_y * scale, (pad_x + w) * scale, (pad_y + h) * scale)
    kept = [b for b in blobs if _belongs(b, inside, h * scale)]
    # Left out but not a mere speck (a dash, a small digit): a person should look.
    doubt = any(
        b.h >= 0.8 * MIN_DIGIT * h * scale or b.w >= 0.3 * h * scale
        for b in blobs
        if b not in kept and _centre_in(b, inside)
    )
    return kept, doubt, (written, ink)


def remove_print(mask: np.ndarray, printed: np.ndarray, scale: float) -> np.ndarray:
    """The page's ink without the template's print, keeping strokes that cross it.

    The print is grown by what remains of the alignment error. Inside it, ink
    stays where a stroke runs through from both sides (a closing bridges the gap).
    """
    grow = 1 + round(1.5 * scale)
    printed = printed.astype(np.uint8)
    band = cv2.dilate(printed, _disc(grow))
    written = mask & (1 - band)
    half = 0.5 * min(_run_length(printed), _run_length(printed.T)) if printed.any() else 0.0
    span = 2 * (grow + round(half)) + 3
    # Columns bridge horizontal print, rows vertical print: a stroke crossing either keeps its width.
    bridge = cv2.morphologyEx(written, cv2.MORPH_CLOSE, np.ones((span, 1), np.uint8))
    bridge |= cv2.morphologyEx(written, cv2.MORPH_CLOSE, np.ones((1, span), np.uint8))
    written = written | ((bridge | _along_lines(mask, printed, grow)) & band & mask)
    written = _per_line(written.astype(np.uint8), mask, printed, grow)
    return _without_slivers(written, printed, grow)


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


def _per_line(written: np.ndarray, mask: np.ndarray, printed: np.ndarray, grow: int) -> np.ndarray:
    """`written` with the ink of a stroke lying along a printed line (the top of a 9 on a border).

    Measured line by line from the page's own ink profile across the line: where
    it is clearly thicker than the line usually is, over a long stretch, a stroke
    lies on it. Pieces are kept only where they touch handwriting.
    """
    length = 4 * grow + 9
    flat = cv2.morphologyEx(printed, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))
    tall = cv2.morphologyEx(printed, cv2.MORPH_OPEN, np.ones((length, 1), np.uint8))
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
    count, _, stats, _ = cv2.connectedComponentsWithStats(flat, connectivity=8)
    crossing = cv2.dilate(tall.any(axis=0).astype(np.uint8)[None, :], np.ones((1, 4 * grow + 1), np.uint8))[0]
    reach = 3 * grow + 2
    for x0, y0, w, h, _ in stats[1:count]:
        if w < 2 * LINE_WINDOW or h > 3 * grow + 6:
            continue
        r0, r1 = max(0, y0 - reach), min(mask.shape[0], y0 + h + reach)
        strip = mask[r0:r1, x0 : x0 + w]
        up = np.cumprod(strip[y0 - r0 + h // 2 :: -1], axis=0).sum(axis=0)
        down = np.cumprod(strip[y0 - r0 + h // 2 :], axis=0).sum(axis=0)
        on = up > 0
        top = np.where(on, y0 - r0 + h // 2 - up + 1, 1)
        bottom = np.where(on, y0 - r0 + h // 2 + down - 1, 0)
        run = np.where(on, up + down - 1, 0)
        usual = (crossing[x0 : x0 + w] == 0) & on
        if usual.sum() < LINE_WINDOW:
            continue
        base = np.percentile(run[usual], 30)
        thick = usual & (run >= base + max(LINE_MARGIN, LINE_RATIO * base))
        rows = np.arange(r1 - r0)[:, None]
        span = (rows >= top) & (rows <= bottom)
        # Only a long stretch is a stroke along the line; a stroke across it is bridged already.
        along = cv2.morphologyEx(thick.astype(np.uint8)[None, :], cv2.MORPH_OPEN, np.ones((1, 7 * grow)))[0]
        keep[r0:r1, x0 : x0 + w] |= (span & (along > 0)).astype(np.uint8)
    return keep


def _along_lines(mask: np.ndarray, printed: np.ndarray, grow: int) -> np.ndarray:
    """Ink lying along a printed line and clearly thicker than that line is on this page (a pen
    stroke on a box's border: the top of a 7). Each direction is measured on its own."""
    length = 4 * grow + 9
    flat = cv2.morphologyEx(printed, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))
    tall = cv2.morphologyEx(printed, cv2.MORPH_OPEN, np.ones((length, 1), np.uint8))
    near_flat = cv2.dilate(flat, _disc(grow)) & (1 - cv2.dilate(tall, _disc(2 * grow)))
    near_tall = cv2.dilate(tall, _disc(grow)) & (1 - cv2.dilate(flat, _disc(2 * grow)))
    thick = _thicker(mask, near_flat)
    thick |= _thicker(mask.T.copy(), near_tall.T.copy()).T
    return thick


def _thicker(mask: np.ndarray, near: np.ndarray) -> np.ndarray:
    """Pixels near horizontal print in vertical runs of ink clearly longer than the print's own."""
    on_line = mask & near
    if on_line.sum() < 10:
        return np.zeros_like(mask)
    length = int(2.0 * _run_length(on_line) + 5)
    # An opening with a vertical bar keeps exactly the pixels of runs at least that long.
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((length, 1), np.uint8)) & near


def _run_length(mask: np.ndarray) -> float:
    """The mean length of the vertical runs of ink: ink pixels per run."""
    starts = int(mask[0].sum()) + int((mask[1:] & (1 - mask[:-1])).sum())
    return float(mask.sum()) / max(1, starts)


def _disc(radius: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))


def snap_print(ink: np.ndarray, printed: np.ndarray, reach: int) -> np.ndarray:
    """The print shifted by up to `reach` pixels to where it best lies on the page's ink.

    Registration is right to a pixel or two over the page; this takes out
    what is left locally, so the print can be erased with a thin margin.
    """
    inner = printed[reach:-reach, reach:-reach].astype(np.float32)
    if reach < 1 or inner.sum() < 10 or min(inner.shape) < 4:
        return printed
    score = cv2.matchTemplate(ink.astype(np.float32), inner, cv2.TM_CCORR)
    dy, dx = np.unravel_index(int(score.argmax()), score.shape)
    shift = np.float32([[1, 0, dx - reach], [0, 1, dy - reach]])
    return cv2.warpAffine(printed.astype(np.uint8), shift, printed.shape[::-1], flags=cv2.INTER_NEAREST)


def _centre_in(blob, inside) -> bool:
    cx, cy = blob.x + blob.w / 2, blob.y + blob.h / 2
    return inside[0] <= cx <= inside[2] and inside[1] <= cy <= inside[3]


def _belongs(blob, inside, box_h: float) -> bool:
    return _centre_in(blob, inside) and blob.h >= MIN_DIGIT * box_h


# ---------------------------------------------------------------------- sheets

SHEET_DPI = 140  # the frame a DigitSight sheet is read in


def read_sheet(reader, photo) -> dict:
    """A photo of a filled DigitSight answer sheet, read from its markers and QR code alone."""
    from ml.reader import UnreadableImage

    try:
        gray, page_scale = align.load_gray(photo)
    except UnreadableImage as error:
        return {"aligned": False, "error": str(error)}
    found = find_sheet(gray)
    if isinstance(found, str):
        return {"aligned": False, "error": found}
    layout, homography, quality = found
    printed = _sheet_print(layout.id)
    scale = SHEET_DPI / 72.0
    regions = layout.regions()
    id_boxes = [[v * scale for v in b] for r in regions if r["name"] == "student_id" for b in r["digits"]]
    answer_regions = [r for r in regions if r["name"] != "student_id"]
    boxes = id_boxes + [[v * scale for v in r["box"]] for r in answer_regions]
    read = read_areas(reader, gray, homography, printed, boxes)
    student = _student_id(read[: len(id_boxes)])
    answers = []
    for region, answer in zip(answer_regions, read[len(id_boxes) :], strict=True):
        answer["name"] = region["name"]
        box = align.map_box([v * scale for v in region["box"]], np.linalg.inv(homography))
        answer["box"] = [round(v / page_scale) for v in box]
        answers.append(_public(answer))
    return {
        "sheet": layout.id,
        "student_id": student,
        "answers": answers,
        "aligned": True,
        "alignment": round(quality, 3),
        "needs_review": student["needs_review"] or any(a["needs_review"] for a in answers),
        "width": round(gray.shape[1] / page_scale),
        "height": round(gray.shape[0] / page_scale),
    }


def _student_id(digits: list[dict]) -> dict:
    if not digits:
        return {"number": "", "confidence": 1.0, "needs_review": False}
    number = "".join(d["number"] for d in digits)
    confidence = float(np.prod([d["confidence"] for d in digits]))
    wrong_shape = any(len(d["number"]) != 1 for d in digits)
    return {
        "number": number,
        "confidence": round(confidence, 4),
        "needs_review": wrong_shape or any(d["needs_review"] for d in digits),
    }


@functools.lru_cache(maxsize=8)
def _sheet_print(layout_id: str) -> np.ndarray:
    """The print mask of a blank sheet in the frame it is read in (once per layout)."""
    from ml import sheet

    return print_mask(sheet.render(sheet.SheetLayout.from_id(layout_id), SHEET_DPI))


def find_sheet(gray: np.ndarray):
    """(layout, homography photo -> sheet frame, quality), or an error message."""
    from ml import sheet

    corners = _markers(gray)
    if len(corners) < 3:
        return "No DigitSight answer sheet found: its corner markers are not visible (fewer than 3 of 4)."
    text = _qr_text(gray, corners)
    if text is None:
        return "The sheet's QR code cannot be read: photograph the whole sheet, flat and in focus."
    try:
        layout = sheet.SheetLayout.from_id(text)
    except sheet.SheetError as error:
        return str(error)
    scale = SHEET_DPI / 72.0
    source, target = [], []
    for marker, x, y in layout.markers():
        if marker in corners:
            side = sheet.MARKER
            source.append(corners[marker])
            target.append(np.float32([[x, y], [x + side, y], [x + side, y + side], [x, y + side]]) * scale)
    source, target = np.concatenate(source), np.concatenate(target)
    homography, _ = cv2.findHomography(source, target, 0)
    error = np.linalg.norm(
        cv2.perspectiveTransform(source.reshape(-1, 1, 2), homography).reshape(-1, 2) - target, axis=1
    )
    quality = float(np.clip(1.0 - error.mean() / 4.0, 0.0, 1.0))
    if quality < 0.5:  # the markers found do not sit where this sheet's layout puts them
        return "The sheet's corner markers do not line up: photograph the whole sheet, flat."
    return layout, homography, quality


def _markers(gray: np.ndarray) -> dict[int, np.ndarray]:
    from ml import sheet

    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    detector = cv2.aruco.ArucoDetector(dictionary, cv2.aruco.DetectorParameters())
    corners, ids, _ = detector.detectMarkers(gray)
    if ids is None:
        return {}
    found = {}
    for marker, points in zip(ids.ravel().tolist(), corners, strict=True):
        if marker in sheet.MARKER_IDS and marker not in found:
            found[marker] = points.reshape(4, 2).astype(np.float32)
    return found


def _qr_text(gray: np.ndarray, corners: dict) -> str | None:
    """The QR code's text, looked for first in its place on the sheet flattened by its markers."""
    from ml import sheet

    detector = cv2.QRCodeDetector()
    scale = 4.0
    for paper in sheet.PAPERS:  # the markers and QR code sit in the same place on every sheet of a paper
        guess = sheet.SheetLayout(1, paper=paper)
        source, target = [], []
        for marker, x, y in guess.markers():
            if marker in corners:
                side = sheet.MARKER
                source.append(corners[marker])
                target.append(
                    np.float32([[x, y], [x + side, y], [x + side, y + side], [x, y + side]]) * scale
                )
        homography, _ = cv2.findHomography(np.concatenate(source), np.concatenate(target), 0)
        if homography is None:
            continue
        qx, qy, qs, _ = guess.qr_box()
        frame = np.array([[1, 0, -(qx - 12) * scale], [0, 1, -(qy - 12) * scale], [0, 0, 1]])
        size = round((qs + 24) * scale)
        patch = cv2.warpPerspective(gray, frame @ homography, (size, size), borderValue=255)
        text, _, _ = detector.detectAndDecode(patch)
        if text:
            return text
    text, _, _ = detector.detectAndDecode(gray)
    return text or None
