"""Decode an upload (bytes or a path) into the RGB working array the reader reads.

Refuses what is not an image, empty, damaged or too large with UnreadableImage, whose message is
shown to the teacher.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np

MAX_WORK_SIDE = 1200  # photos are read at most this big: enough for 7 lines of digits
MIN_WORK_SIDE = 112


class UnreadableImage(ValueError):
    """The input is not an image we can read, or it is too large to read safely."""


def load_image(source, max_pixels: int = 40_000_000) -> tuple[np.ndarray, tuple[int, int]]:
    """Decode bytes or a path into an upright RGB working array.

    Returns (array, (width, height)) where the size is the original image's
    after EXIF rotation; the array may be scaled to MAX_WORK_SIDE.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    stream = _stream(source)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(stream)  # reads the header only
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise UnreadableImage("The image is far too large to read (too many pixels).")
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise UnreadableImage(
                "This file is not an image we can read. Please upload a JPEG, PNG or WebP photo."
            )
    width, height = image.size
    if width * height > max_pixels:
        raise UnreadableImage(
            f"The image is too large ({width}x{height} pixels); "
            f"the limit is {max_pixels / 1e6:.0f} megapixels. Please send a smaller photo."
        )
    if width < 1 or height < 1:
        raise UnreadableImage("The image is empty (no pixels).")
    orientation = exif_orientation(image)
    array = _plain_jpeg(image, stream) if orientation == 1 else None
    if array is None:
        try:
            # JPEG can decode straight at 1/2, 1/4 or 1/8 size: large photos cost less.
            image.draft("RGB", (MAX_WORK_SIDE, MAX_WORK_SIDE))
            image.load()
            image = ImageOps.exif_transpose(image)
            array = _to_rgb(image)
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
            raise UnreadableImage(f"The image file is damaged or incomplete and cannot be read ({error}).")
    if orientation in (5, 6, 7, 8):  # EXIF rotations by 90 degrees
        width, height = height, width
    return _work_size(array), (width, height)


def exif_orientation(image) -> int:
    """The photo's EXIF orientation, 1 when upright or unsaid."""
    try:
        return image.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - a broken EXIF block must not make the photo unreadable
        return 1


def _draft_scale(width: int, height: int, side: int | None = MAX_WORK_SIDE) -> int:
    """The 1/N size Pillow's draft(mode, (side, side)) decodes a JPEG at (1: no side given)."""
    scale = min(width // side, height // side) if side else 1
    return next((s for s in (8, 4, 2) if scale >= s), 1)


def _plain_jpeg(image, stream, side: int | None = MAX_WORK_SIDE, grey: bool = False) -> np.ndarray | None:
    """An upright, complete RGB or grey JPEG decoded by OpenCV: the very pixels Pillow's draft
    (to `side`) decode gives (the same libjpeg-turbo, scale and upsampling), without Pillow's
    copies (its 4-byte pixels packed to 3, exif_transpose's copy); `grey`: decoded to grey, as
    draft("L") does. None for anything else, which Pillow then decodes (and reports when
    damaged)."""
    import cv2

    if image.format != "JPEG" or image.mode not in ("RGB", "L") or len(image.tile) != 1:
        return None
    stream.seek(0)
    data = np.frombuffer(stream.read(), np.uint8)
    if data[-2:].tobytes() != b"\xff\xd9":  # a cut-short file: Pillow says it is truncated
        return None
    scale = _draft_scale(*image.size, side)
    reduced = {
        1: cv2.IMREAD_GRAYSCALE,
        2: cv2.IMREAD_REDUCED_GRAYSCALE_2,
        4: cv2.IMREAD_REDUCED_GRAYSCALE_4,
        8: cv2.IMREAD_REDUCED_GRAYSCALE_8,
    }[scale]
    colour = cv2.IMREAD_COLOR_RGB if image.mode == "RGB" and not grey else 0  # IMREAD_COLOR: BGR
    flags = reduced | colour | cv2.IMREAD_IGNORE_ORIENTATION
    array = cv2.imdecode(data, flags)
    width, height = image.size
    if array is None or array.shape[:2] != (-(-height // scale), -(-width // scale)):
        return None
    return array


def _stream(source):
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if not data:
            raise UnreadableImage("The file is empty (0 bytes).")
        return io.BytesIO(data)
    path = Path(source)
    try:
        if path.stat().st_size == 0:
            raise UnreadableImage(f"The file is empty (0 bytes): {path.name}")
        return path.open("rb")
    except (FileNotFoundError, IsADirectoryError, PermissionError) as error:
        raise UnreadableImage(f"The file cannot be opened: {path} ({error.strerror or error}).")


def _to_rgb(image) -> np.ndarray:
    from PIL import Image

    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        values = np.asarray(image, np.float32)
        span = max(float(values.max() - values.min()), 1e-6)
        return ((values - values.min()) * (255.0 / span)).astype(np.uint8)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        paper = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        paper.alpha_composite(rgba)
        array = np.asarray(paper.convert("RGB"))
        alpha = np.asarray(rgba)[..., 3]
        if np.ptp(array.min(axis=2)) < 30 and np.ptp(alpha) > 60:
            # The drawing lives in the alpha channel only (light strokes on transparency).
            return (255 - alpha).astype(np.uint8)
        return array
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    return np.asarray(image)


def _work_size(array: np.ndarray) -> np.ndarray:
    import cv2

    h, w = array.shape[:2]
    scale = min(1.0, MAX_WORK_SIDE / max(h, w))
    if max(h, w) * scale < MIN_WORK_SIDE:
        scale = MIN_WORK_SIDE / max(h, w)
    if scale == 1.0:
        return array
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(array, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
