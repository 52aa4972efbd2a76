"""Generated test inputs: handwritten-looking numbers, PDFs and broken files."""

from __future__ import annotations

import io
import struct
import zlib

import cv2
import numpy as np
from PIL import Image


def number_png(text: str = "427", size: tuple[int, int] = (360, 160)) -> bytes:
    """Dark digits on white paper, drawn with a hand-ish Hershey font."""
    width, height = size
    canvas = np.full((height, width), 255, np.uint8)
    cv2.putText(canvas, text, (20, height - 40), cv2.FONT_HERSHEY_SIMPLEX, 3.2, 0, 12, cv2.LINE_AA)
    ok, encoded = cv2.imencode(".png", canvas)
    assert ok
    return encoded.tobytes()


def reencode(png: bytes, fmt: str, **save) -> bytes:
    buffer = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").save(buffer, fmt, **save)
    return buffer.getvalue()


def jpeg_with_exif(png: bytes, orientation: int = 6) -> bytes:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = orientation  # rotate 90° on display
    exif[0x010F] = "SecretCam"  # Make: must not survive re-encoding
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def pdf(pages: int = 2, text: str = "427") -> bytes:
    images = [Image.open(io.BytesIO(number_png(text))).convert("RGB") for _ in range(pages)]
    buffer = io.BytesIO()
    images[0].save(buffer, "PDF", save_all=True, append_images=images[1:], resolution=72)
    return buffer.getvalue()


def empty_pdf() -> bytes:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def png_bomb(width: int = 20000, height: int = 20000) -> bytes:
    """A valid PNG header claiming 20000×20000 with a tiny compressed body (~20 KB)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    body = zlib.compress(row * height, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def corrupt_png() -> bytes:
    good = number_png()
    return good[: len(good) // 2]


BAD_INPUTS = {
    "empty": ("empty.png", b"", "empty"),
    "corrupt": ("broken.png", None, "damaged"),
    "text named png": ("notes.png", b"just some text, not an image\n" * 10, "not an image"),
    "bomb": ("bomb.png", None, "too large"),
    "pdf without pages": ("scan.pdf", None, "no pages"),
    "gif": ("anim.gif", None, "GIF"),
}


def bad_input(name: str) -> tuple[str, bytes, str]:
    filename, data, message = BAD_INPUTS[name]
    if data is None:
        data = {
            "corrupt": corrupt_png,
            "bomb": png_bomb,
            "pdf without pages": empty_pdf,
            "gif": lambda: reencode(number_png(), "GIF"),
        }[name]()
    return filename, data, message


def mnist_number_png(text: str = "427") -> bytes:
    """The number written with MNIST *test* digits (ml.synth), else drawn with a font."""
    try:
        from ml import synth

        x, y = synth.test_digits()
    except Exception:  # no MNIST cache on this machine
        return number_png(text)
    rng = np.random.default_rng(4)
    # The first clear example of each digit, so the picture is the same on every run.
    digits = [x[int(np.flatnonzero(y == int(ch))[0])] for ch in text]
    image = synth.render_number(digits, rng, synth.Style(), height=64)
    return synth.encode(image, quality=None)
