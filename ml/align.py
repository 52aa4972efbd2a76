"""Register a photo of a filled page to its blank template, and find a page on a table.

    alignment = register(page_gray, template_gray)   # page pixels -> template pixels
    flat = find_page(photo)                           # the page alone, flattened, or None

Registration matches ORB features between the two images and fits a
homography with RANSAC; this handles flatbed scans (small rotation and scale)
and phone photos (perspective, background around the page, uneven light)
alike, because only the page's print matches the template. The fit is then
checked the way a person would: after warping, does the template's print lie
on ink of the photo? The share that does is the alignment quality, so the
page of another worksheet (or a photo of no page at all) scores low and is
refused rather than read in the wrong places.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

FEATURE_SIDE = 1000  # both images are matched at about this size: enough print detail, fast
FEATURES = 3000
RATIO = 0.8  # Lowe's ratio test
RANSAC_PX = 4.0  # inlier distance at FEATURE_SIDE
MIN_INLIERS = 25
MIN_QUALITY = 0.55  # share of the template's print that must lie on the page's ink
SURE_QUALITY = 0.97  # a fit below this is estimated a second way, and the better one kept
PRINT_INK = 0.35  # ink-map level that counts as print on the template
MAX_SIDE = 2000  # pages are registered (and markers found) at most this big; areas are cut at full size


class AlignmentError(ValueError):
    """The page does not match the template (or holds no page at all)."""


@dataclass
class Alignment:
    homography: np.ndarray  # 3x3, page pixels -> template pixels
    quality: float  # [0, 1]
    inliers: int


# -------------------------------------------------------------------- loading


def load_gray(source, max_side: int | None = MAX_SIDE, max_pixels: int = 40_000_000):
    """bytes, a path or an array -> (gray uint8 array, scale from original pixels to the array's).

    Raises ml.load.UnreadableImage for anything that is not a readable image.
    """
    from ml.load import UnreadableImage

    if isinstance(source, np.ndarray):
        gray = _gray_array(source)
        return _shrink(gray, max_side)
    if isinstance(source, (str, Path)) and str(source).lower().endswith(".pdf"):
        raise UnreadableImage(f"{Path(source).name} is a PDF; render its page to an image first.")
    from PIL import Image, ImageOps

    from ml import load

    stream = load._stream(source)
    try:
        with Image.open(stream) as image:
            if image.width * image.height > max_pixels:
                raise UnreadableImage(
                    f"The image is too large ({image.width}x{image.height} pixels); "
                    f"the limit is {max_pixels / 1e6:.0f} megapixels."
                )
            full = max(image.size)
            upright = load.exif_orientation(image) == 1
            gray = load._plain_jpeg(image, stream, max_side, grey=True) if upright else None
            if gray is None:
                if max_side:
                    image.draft("L", (max_side, max_side))
                image = ImageOps.exif_transpose(image)
                gray = _gray_array(load._to_rgb(image))
    except UnreadableImage:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        raise UnreadableImage(
            f"This file is not an image we can read ({type(error).__name__}). Please send a JPEG or PNG."
        )
    decoded = max(gray.shape)
    gray, scale = _shrink(gray, max_side)
    return gray, scale * decoded / full


def _gray_array(array: np.ndarray) -> np.ndarray:
    array = np.asarray(array)
    if array.ndim == 3:
        array = cv2.cvtColor(np.ascontiguousarray(array[..., :3]), cv2.COLOR_RGB2GRAY)
    if array.dtype != np.uint8:
        array = np.clip(array * (255.0 if array.max() <= 1.0 else 1.0), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(array)


def _shrink(gray: np.ndarray, max_side: int | None) -> tuple[np.ndarray, float]:
    side = max(gray.shape)
    if not max_side or side <= max_side:
        return gray, 1.0
    scale = max_side / side
    size = (round(gray.shape[1] * scale), round(gray.shape[0] * scale))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA), scale


def encode_png(gray: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(gray).save(buffer, "PNG")
    return buffer.getvalue()


# --------------------------------------------------------------- registration


@dataclass
class Features:
    scale: float  # feature image pixels per input pixel
    keypoints: np.ndarray  # (N, 2) in input pixels
    descriptors: np.ndarray | None


def features(gray: np.ndarray) -> Features:
    scale = min(1.0, FEATURE_SIDE / max(gray.shape))
    small = gray if scale == 1.0 else cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    orb = cv2.ORB_create(nfeatures=FEATURES, scaleFactor=1.2, nlevels=8, fastThreshold=12)
    keypoints, descriptors = orb.detectAndCompute(small, None)
    points = np.array([k.pt for k in keypoints], np.float32).reshape(-1, 2) / scale
    return Features(scale, points, descriptors)


def register(page: np.ndarray, template: np.ndarray, template_features: Features | None = None) -> Alignment:
    """The homography from page pixels to template pixels. Raises AlignmentError."""
    ours = features(page)
    theirs = template_features or features(template)
    if ours.descriptors is None or theirs.descriptors is None or len(ours.keypoints) < MIN_INLIERS:
        raise AlignmentError("This page does not match the template: no printed detail was found on it.")
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(ours.descriptors, theirs.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    if len(good) < MIN_INLIERS:
        raise AlignmentError("This page does not match the template (too few printed features in common).")
    source = ours.keypoints[[m.queryIdx for m in good]]
    target = theirs.keypoints[[m.trainIdx for m in good]]
    threshold = RANSAC_PX / theirs.scale
    fit = _estimate(page, template, source, target, threshold, cv2.RANSAC)
    if fit is None or fit.quality < SURE_QUALITY:
        # RANSAC stops at the first model that looks sure enough. On a page of alike questions
        # (the same "=" and underline on every row) that can be a model a row off over part of
        # the page; MAGSAC scores every model by all its residuals and finds the page's own.
        other = _estimate(page, template, source, target, threshold, cv2.USAC_MAGSAC)
        if other is not None and (fit is None or other.quality > fit.quality):
            fit = other
    if fit is None:
        raise AlignmentError("This page does not match the template (its print does not line up).")
    if fit.quality < MIN_QUALITY:
        raise AlignmentError(
            f"This page does not match the template: only {fit.quality:.0%} of its print "
            "was found on the page."
        )
    return fit


def _estimate(page, template, source, target, threshold: float, method) -> Alignment | None:
    """One robust homography fit, refined and scored; None when it is no page's image."""
    homography, inliers = cv2.findHomography(
        source, target, method, threshold, maxIters=4000, confidence=0.999
    )
    count = int(inliers.sum()) if inliers is not None else 0
    if homography is None or count < MIN_INLIERS or not _plausible(homography, page.shape, template.shape):
        return None
    homography = _refit(source, target, homography, threshold)
    return Alignment(homography, print_coverage(page, template, homography), count)


def _refit(source, target, homography, threshold: float) -> np.ndarray:
    """Least squares on the inliers of a tighter threshold: sub-pixel agreement where the print is."""
    projected = cv2.perspectiveTransform(source.reshape(-1, 1, 2), homography).reshape(-1, 2)
    close = np.linalg.norm(projected - target, axis=1) < 0.5 * threshold
    if close.sum() < MIN_INLIERS:
        return homography
    refined, _ = cv2.findHomography(source[close], target[close], 0)
    return homography if refined is None else refined


def _plausible(homography: np.ndarray, page_shape, template_shape) -> bool:
    """The page's image of the template is a convex quadrilateral of a sensible size."""
    h, w = template_shape[:2]
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]]).reshape(-1, 1, 2)
    try:
        on_page = cv2.perspectiveTransform(corners, np.linalg.inv(homography)).reshape(-1, 2)
    except np.linalg.LinAlgError:
        return False
    if not np.all(np.isfinite(on_page)) or not cv2.isContourConvex(on_page.astype(np.float32)):
        return False
    area = cv2.contourArea(on_page.astype(np.float32))
    ph, pw = page_shape[:2]
    return 0.04 * ph * pw < area < 25 * ph * pw


def print_coverage(page: np.ndarray, template: np.ndarray, homography: np.ndarray, side: int = 700) -> float:
    """Share of the template's print that lies on ink of the warped page (both seen at `side` px)."""
    from ml import segment

    scale = side / max(template.shape)
    size = (round(template.shape[1] * scale), round(template.shape[0] * scale))
    small_template = cv2.resize(template, size, interpolation=cv2.INTER_AREA)
    to_small = np.diag([scale, scale, 1.0]) @ homography
    warped = cv2.warpPerspective(page, to_small, size, flags=cv2.INTER_AREA, borderValue=255)
    printed = segment.ink_map(small_template) > PRINT_INK
    if printed.sum() < 20:
        return 0.0
    ink = (segment.ink_map(warped) > 0.5 * PRINT_INK).astype(np.uint8)
    ink = cv2.dilate(ink, np.ones((3, 3), np.uint8)).astype(bool)
    return float((printed & ink).sum() / printed.sum())


def map_box(box, homography: np.ndarray) -> list[int]:
    """The bounding box [x, y, w, h] of a box's image under a homography."""
    x, y, w, h = box
    corners = np.float32([[x, y], [x + w, y], [x + w, y + h], [x, y + h]]).reshape(-1, 1, 2)
    mapped = cv2.perspectiveTransform(corners, homography).reshape(-1, 2)
    x0, y0 = np.floor(mapped.min(axis=0))
    x1, y1 = np.ceil(mapped.max(axis=0))
    return [int(x0), int(y0), int(max(1, x1 - x0)), int(max(1, y1 - y0))]


# ------------------------------------------------------------- page on a table

MIN_PAGE_AREA = 0.2  # a page quadrilateral covers at least this share of the photo
MAX_PAGE_AREA = 0.93  # above this, the photo is the page already: nothing to flatten


def find_page_quad(gray: np.ndarray) -> np.ndarray | None:
    """The four corners (TL, TR, BR, BL) of a bright page clearly standing out from its background."""
    scale = min(1.0, 500 / max(gray.shape))
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (5, 5), 0)
    _, bright = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    contour = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(contour) / (small.shape[0] * small.shape[1])
    if not MIN_PAGE_AREA <= area <= MAX_PAGE_AREA:
        return None
    hull = cv2.convexHull(contour)
    quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
    if len(quad) != 4 or cv2.contourArea(quad) < 0.9 * cv2.contourArea(hull):
        return None
    corners = quad.reshape(4, 2)
    margin = 0.01 * max(small.shape)
    if (corners < margin).any() or (corners[:, 0] > small.shape[1] - margin).any():
        return None  # a corner off the photo: a shadow's edge or a page not wholly seen
    if (corners[:, 1] > small.shape[0] - margin).any() or not _contrasted(small, corners):
        return None
    return _order(quad.reshape(4, 2).astype(np.float32) / scale)


def _contrasted(small: np.ndarray, quad: np.ndarray) -> bool:
    """The page is clearly brighter than what surrounds it (not a shadow edge on the page)."""
    inside = np.zeros(small.shape, np.uint8)
    cv2.fillConvexPoly(inside, quad.astype(np.int32), 1)
    ring = cv2.dilate(inside, np.ones((25, 25), np.uint8)) - inside
    core = cv2.erode(inside, np.ones((25, 25), np.uint8))
    if ring.sum() < 50 or core.sum() < 50:
        return False
    return float(np.median(small[core > 0])) - float(np.median(small[ring > 0])) > 40


def _order(points: np.ndarray) -> np.ndarray:
    s, d = points.sum(axis=1), points[:, 0] - points[:, 1]
    return np.float32([points[s.argmin()], points[d.argmax()], points[s.argmax()], points[d.argmin()]])


def find_page(image: np.ndarray) -> np.ndarray | None:
    """The page of a photo lying on a table, flattened; None when no page stands out clearly."""
    found = flatten(image)
    return None if found is None else found[0]


def flatten(image: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(the page flattened, the homography from image pixels to it), or None without a clear page."""
    quad = find_page_quad(_gray_array(image))
    if quad is None:
        return None
    top, right = np.linalg.norm(quad[1] - quad[0]), np.linalg.norm(quad[2] - quad[1])
    bottom, left = np.linalg.norm(quad[2] - quad[3]), np.linalg.norm(quad[3] - quad[0])
    w, h = round(max(top, bottom)), round(max(left, right))
    target = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    matrix = cv2.getPerspectiveTransform(quad, target)
    flat = cv2.warpPerspective(
        np.asarray(image), matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return flat, matrix
