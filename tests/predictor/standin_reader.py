"""TEMPORARY stand-in for ml.reader.get_reader while the engine is being written.

Follows the contract in ml/reader.py; it finds ink with OpenCV but does not classify.
Used only when the real reader or its model file is not available yet.
"""

import cv2
import numpy as np

from ml.load import UnreadableImage


class StandInReader:
    model_version = "stand-in"

    def read(self, source):
        image = cv2.imdecode(np.frombuffer(source, np.uint8), cv2.IMREAD_GRAYSCALE)
        if image is None:
            raise UnreadableImage("This file is not an image that can be decoded.")
        ys, xs = np.nonzero(image < 128)
        if not len(xs):
            return {"numbers": [], "needs_review": True, "elapsed_ms": 0.0, "width": image.shape[1],
                    "height": image.shape[0]}  # fmt: skip
        box = [int(xs.min()), int(ys.min()), int(xs.max() - xs.min()), int(ys.max() - ys.min())]
        digits = [{"digit": d, "confidence": c, "box": box} for d, c in (("4", 0.99), ("2", 0.9), ("7", 0.6))]
        number = {"number": "427", "confidence": 0.6, "box": box, "line": 0, "digits": digits}
        return {"numbers": [number], "needs_review": True, "elapsed_ms": 1.0, "width": image.shape[1],
                "height": image.shape[0]}  # fmt: skip


_reader = None


def get_reader():
    global _reader
    if _reader is None:
        _reader = StandInReader()
    return _reader
