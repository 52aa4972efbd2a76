"""Shared builders for the worksheet tests: generated pages filled with digits the model reads surely."""

from __future__ import annotations

import numpy as np


def clear_pool(clear_digits) -> tuple[np.ndarray, np.ndarray]:
    """(images, labels) of the clear test digits, as a pool for ml.worksheets_synth.fill."""
    images = [image for digit in range(10) for image in clear_digits[digit]]
    labels = [digit for digit in range(10) for _ in clear_digits[digit]]
    return np.stack(images), np.array(labels)


def read_scanned(reader, pool, layout: str, seed: int, questions: int):
    """A worksheet of `layout` filled from `pool`, scanned, and read against its blank:
    (blank, filled page, the scan, its homography from the template, the reading)."""
    from ml import worksheet
    from ml import worksheets_synth as ws

    rng = np.random.default_rng(seed)
    blank = ws.make_template(rng, layout, questions=questions)
    filled = ws.fill(rng, blank, pool)
    scanned, truth = ws.scan(rng, filled.image)
    result = worksheet.read_against_template(reader, ws.encode(scanned), blank.image, blank.regions)
    return blank, filled, scanned, truth, result


def corners(box) -> np.ndarray:
    x, y, w, h = box
    return np.float32([[x, y], [x + w, y], [x + w, y + h], [x, y + h]])


def mapped(box, homography) -> np.ndarray:
    import cv2

    return cv2.perspectiveTransform(corners(box).reshape(-1, 1, 2), homography).reshape(-1, 2)
