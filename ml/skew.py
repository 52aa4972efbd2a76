"""Straighten a photo whose line of writing runs slanted (a phone held a few degrees off).

ml.rules straightens a page by its ruled lines; a plain page has none, and a
slanted number was read slanted: the line model's strip of it is squeezed (its
ink box holds the slope) and each digit is read turned. Here the slope is
measured on the writing itself: the least-squares line through the bottoms of
a text line's blobs (digits stand on a baseline). Digits' own jitter tilts that
fit by a degree or two on a short number, so only lines of MIN_BLOBS or more
count and a small slope is left alone: such a page reads exactly as before.
"""

from __future__ import annotations

import cv2
import numpy as np

from ml import segment
from ml.order_stats import median

MIN_BLOBS = 4  # a text line needs this many digit-tall blobs to measure its slope
# Degrees: a slope below this is left alone (a short number's fit is off by 1-2 degrees). On
# tuning photos (training digits, 400 per condition) 3.5 read rotated numbers 0.983 -> 0.988 and
# the worksheet condition 0.975 -> 0.978, mixed 0.980 -> 0.975 (two numbers turned level, then a
# digit read otherwise), the rest as before; 2.5 also lost a math answer and a pen_width number.
MIN_ANGLE = 3.5
MAX_ANGLE = 12.0  # beyond this it is not a slanted line of writing (ml.rules' limit too)


def straighten(mask: np.ndarray, ink: np.ndarray, affine, blobs: list):
    """(mask, ink, affine, blobs): the page turned level when its writing is clearly slanted,
    else what was given. A page ml.rules straightened (`affine`) is left as it is."""
    if affine is not None or len(blobs) < MIN_BLOBS:
        return mask, ink, affine, blobs
    angle = slant(blobs)
    if angle is None or not MIN_ANGLE <= abs(angle) <= MAX_ANGLE:
        return mask, ink, affine, blobs
    h, w = mask.shape
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    ink = cv2.warpAffine(ink, turn, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)
    mask = cv2.warpAffine(mask, turn, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    return mask, ink, turn, segment.find_blobs(mask, ink)


def slant(blobs: list) -> float | None:
    """The writing's slope in degrees (as ml.rules measures a rule's), pooled over the text
    lines of MIN_BLOBS or more digit-tall blobs; None when there is none."""
    along = across = 0.0
    for line in segment.group_lines(blobs):
        tall = median([b.h for b in line])
        line = [b for b in line if b.h >= 0.75 * tall]  # not a 5's lifted bar: its bottom is no baseline
        if len(line) >= MIN_BLOBS:
            x = np.array([b.x + b.w / 2 for b in line], np.float64)
            y = np.array([b.bottom for b in line], np.float64)
            x, y = x - x.mean(), y - y.mean()
            along, across = along + float(x @ x), across + float(x @ y)
    return float(np.degrees(np.arctan(across / along))) if along else None
