"""Read a photo of a filled DigitSight answer sheet from its corner markers and QR code alone.

    result = read_sheet(reader, photo)

The markers give the homography from the photo to the sheet's frame, the QR
code the layout id (ml.sheet), which describes every box; the sheet's own
print is rendered from the layout once per layout, and each box is read as
an answer area of ml.worksheet.
"""

from __future__ import annotations

import functools
import math

import cv2
import numpy as np

from ml import align, segment
from ml.worksheet import PRINT_INK, cut_areas, public_answer, read_cuts

SHEET_DPI = 200  # the frame a sheet's print is drawn in (140 erased it a little worse: tuning pages)
MISFIT_PT = 4.0 * 72 / 140  # the markers' mean misfit (points) at which the fit's quality is 0


def read_sheet(reader, photo) -> dict:
    """A photo of a filled DigitSight answer sheet, read from its markers and QR code alone."""
    from ml.load import UnreadableImage

    try:
        # The boxes are cut from the photo at its full size: a 12 MP photo decoded at 2000 px
        # leaves a sheet's small digits a pixel or two of stroke and reads them worse. The
        # markers and QR code are found at the usual size, which is plenty for them and faster.
        full, page_scale = align.load_gray(photo, max_side=None)
    except UnreadableImage as error:
        return {"aligned": False, "error": str(error)}
    gray, shrink = align._shrink(full, align.MAX_SIDE)
    found = find_sheet(gray)
    if isinstance(found, str):
        return {"aligned": False, "error": found}
    layout, homography, quality = found
    homography = homography @ np.diag([shrink, shrink, 1.0])  # full-size photo -> sheet frame
    printed = _sheet_print(layout.id)
    scale = SHEET_DPI / 72.0
    regions = layout.regions()
    id_boxes = [[v * scale for v in b] for r in regions if r["name"] == "student_id" for b in r["digits"]]
    answer_regions = [r for r in regions if r["name"] != "student_id"]
    boxes = id_boxes + [[v * scale for v in r["box"]] for r in answer_regions]
    cuts = cut_areas(full, homography, printed, boxes)
    read = read_cuts(reader, cuts)
    ids = zip(cuts[: len(id_boxes)], read[: len(id_boxes)], strict=True)
    student = _student_id([_one_digit(reader, cut, answer) for cut, answer in ids])
    answers = []
    for region, answer in zip(answer_regions, read[len(id_boxes) :], strict=True):
        answer["name"] = region["name"]
        box = align.map_box([v * scale for v in region["box"]], np.linalg.inv(homography))
        answer["box"] = [round(v / page_scale) for v in box]
        answers.append(public_answer(answer))
    return {
        "sheet": layout.id,
        "student_id": student,
        "answers": answers,
        "aligned": True,
        "alignment": round(quality, 3),
        "needs_review": student["needs_review"] or any(a["needs_review"] for a in answers),
        "width": round(full.shape[1] / page_scale),
        "height": round(full.shape[0] / page_scale),
    }


def _one_digit(reader, cut: tuple, answer: dict) -> dict:
    """An ID box holds one digit: a box read as several (a 0 cut in two, a 4 with a border's
    remnant beside it) is read again as the one digit its main piece of ink is."""
    blobs, doubt = cut[:2]
    if len(answer["number"]) == 1 or not blobs:
        return answer
    main = max(blobs, key=lambda b: int(b.mask.sum()))
    # Pieces above or below the main one belong to it (a 5's detached bar); those beside it do not.
    parts = [b for b in blobs if min(b.right, main.right) - max(b.x, main.x) >= 0.5 * min(b.w, main.w)]
    x0, y0 = min(b.x for b in parts), min(b.y for b in parts)
    x1, y1 = max(b.right for b in parts), max(b.bottom for b in parts)
    mask, soft = np.zeros((y1 - y0, x1 - x0), bool), np.zeros((y1 - y0, x1 - x0), np.float32)
    for b in parts:
        window = (slice(b.y - y0, b.bottom - y0), slice(b.x - x0, b.right - x0))
        mask[window] |= b.mask
        soft[window] = np.maximum(soft[window], b.soft)
    probabilities = reader.classifier.predict(segment.to_mnist(soft, mask)[None])[0]
    confidence = float(probabilities.max())
    sure = confidence >= reader.review_threshold and len(parts) == len(blobs) and not doubt
    digit = str(int(probabilities.argmax()))
    return {"number": digit, "confidence": round(confidence, 4), "needs_review": not sure}


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
    """The print mask of a blank sheet in the frame it is read in (once per geometry: the tag
    draws nothing). Only the boxes are drawn, the only print inside a box's reading window;
    on a white page print_mask is this threshold (ink 1 - gray / 255 above PRINT_INK)."""
    from ml import sheet

    layout = sheet.SheetLayout.from_id(layout_id)
    return _boxes_print(layout.questions, layout.id_digits, layout.columns, layout.paper)


@functools.lru_cache(maxsize=8)
def _boxes_print(questions: int, id_digits: int, columns: int, paper: str) -> np.ndarray:
    from ml import sheet

    drawn = sheet.render_boxes(sheet.SheetLayout(questions, id_digits, columns, paper), SHEET_DPI)
    # drawn < 255 * (1 - PRINT_INK) on whole grey levels; OpenCV's threshold takes 0.3 ms of a
    # page, NumPy's comparison 8 ms (a sheet read first, a new geometry, pays it)
    limit = math.ceil(255 * (1 - PRINT_INK)) - 1
    return cv2.threshold(drawn, limit, 255, cv2.THRESH_BINARY_INV)[1]


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
    quality = float(np.clip(1.0 - error.mean() / (MISFIT_PT * scale), 0.0, 1.0))
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
        if not text:
            # A blurred, unevenly lit code: its modules are still clearly darker or lighter
            # than their mean, which the detector's own local threshold can miss.
            _, binary = cv2.threshold(patch, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
            text, _, _ = detector.detectAndDecode(binary)
        if text:
            return text
    text, _, _ = detector.detectAndDecode(gray)
    return text or None
