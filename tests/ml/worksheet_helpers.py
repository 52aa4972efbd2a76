"""Shared builders for the worksheet tests: generated pages filled with digits the model reads surely."""

from __future__ import annotations

import numpy as np


def clear_pool(clear_digits) -> tuple[np.ndarray, np.ndarray]:
    """(images, labels) of the clear test digits, as a pool for ml.worksheets_synth.fill."""
    images = [image for digit in range(10) for image in clear_digits[digit]]
    labels = [digit for digit in range(10) for _ in clear_digits[digit]]
    return np.stack(images), np.array(labels)


def corners(box) -> np.ndarray:
    x, y, w, h = box
    return np.float32([[x, y], [x + w, y], [x + w, y + h], [x, y + h]])


def mapped(box, homography) -> np.ndarray:
    import cv2

    return cv2.perspectiveTransform(corners(box).reshape(-1, 1, 2), homography).reshape(-1, 2)
