"""Turn an uploaded file into clean PNG pages, or reject it with a message a teacher can act on.

Files are judged by decoding them, never by their name or declared content type.
"""

from __future__ import annotations

import io
import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageOps

SUPPORTED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}
PDF_DPI = 200
PDF_MAGIC = b"%PDF-"

try:  # HEIC photos from iPhones, when the optional plugin is installed.
    from pillow_heif import register_heif_opener

    register_heif_opener()
    SUPPORTED_FORMATS |= {"HEIF"}
except ImportError:  # pragma: no cover - optional
    pass


class UploadRejected(ValueError):
    """The file cannot be read; str(exc) is shown to the teacher as is."""


@dataclass(frozen=True)
class UploadedPage:
    png: bytes | None  # None: a PDF page the worker renders (render_pdf_page) from the stored PDF
    width: int
    height: int
    page: int | None = None


@dataclass(frozen=True)
class CheckedUpload:
    """A valid upload: an image already cleaned, or a PDF whose pages were counted and measured."""

    pages: list[UploadedPage]
    pdf: bytes | None = None


def check_upload(uploaded_file) -> CheckedUpload:
    """What a web request can afford: a PDF is validated and counted, never rendered.

    Rendering 50 huge pages held a gunicorn worker for 40 s; the worker renders each page instead.
    """
    data = _read_capped(uploaded_file)
    if data.startswith(PDF_MAGIC):
        return CheckedUpload(pages=_check_pdf(data), pdf=data)
    return CheckedUpload(pages=[_read_image(data)])


def read_upload(uploaded_file) -> list[UploadedPage]:
    """Every page as a clean PNG, rendered now (tests and tools; the web uses check_upload)."""
    checked = check_upload(uploaded_file)
    if checked.pdf is None:
        return checked.pages
    return [render_pdf_page(checked.pdf, page.page) for page in checked.pages]


def is_pdf_name(name: str) -> bool:
    """A stored PDF waiting for its pages to be rendered, not a page image yet."""
    return (name or "").lower().endswith(".pdf")


def _read_capped(uploaded_file) -> bytes:
    limit = settings.DIGITSIGHT_MAX_UPLOAD_BYTES
    declared = getattr(uploaded_file, "size", None)
    if declared is not None and declared > limit:
        raise UploadRejected(_too_big(limit))
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    # Read one byte past the cap: the declared size may be wrong.
    data = uploaded_file.read(limit + 1)
    if len(data) > limit:
        raise UploadRejected(_too_big(limit))
    if not data:
        raise UploadRejected("The file is empty (0 bytes). Please choose the photo or scan again.")
    return data


def _too_big(limit: int) -> str:
    return f"The file is too large: the limit is {limit / (1024 * 1024):.0f} MB."


def _check_pixels(width: int, height: int) -> None:
    limit = settings.DIGITSIGHT_MAX_PIXELS
    if width <= 0 or height <= 0:
        raise UploadRejected("The image has no pixels.")
    if width * height > limit:
        raise UploadRejected(
            f"The image is too large ({width}×{height} pixels); the limit is "
            f"{limit / 1_000_000:.0f} megapixels. Please resize it and upload it again."
        )


def _read_image(data: bytes) -> UploadedPage:
    with warnings.catch_warnings():
        # Pillow only warns below twice its own limit: make every bomb an error.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            # Dimensions come from the header: check them before decoding any pixel.
            _check_pixels(*image.size)
            if image.format not in SUPPORTED_FORMATS:
                raise UploadRejected(_unsupported(image.format))
            image.load()
        except UploadRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise UploadRejected("The image is too large to process safely.") from None
        except Image.UnidentifiedImageError:
            raise UploadRejected(_unsupported(None)) from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise UploadRejected(
                "The image is damaged or incomplete and cannot be read. Please upload it again."
            ) from exc
    return _page_from(image)


def _unsupported(fmt: str | None) -> str:
    what = f"a {fmt} image" if fmt else "not an image we can read"
    return f"This file is {what}. Please upload a JPEG, PNG, WebP or PDF file."


def _page_from(image: Image.Image, page: int | None = None) -> UploadedPage:
    # In place, and pasted rather than copied through bytes: a 40-megapixel upload already
    # costs 120 MB decoded, and every extra copy multiplies that in a web process.
    ImageOps.exif_transpose(image, in_place=True)
    image = _flatten(image)
    # A fresh image carries no EXIF, ICC profile or text chunks from the upload.
    clean = Image.new(image.mode, image.size)
    clean.paste(image)
    buffer = io.BytesIO()
    # Level 1, not 6: the teacher waits for this inside the upload request. On a 548x427
    # worksheet it encodes 7x faster for a 16% larger file, with the same pixels.
    clean.save(buffer, "PNG", optimize=False, compress_level=1)
    return UploadedPage(png=buffer.getvalue(), width=clean.width, height=clean.height, page=page)


def _flatten(image: Image.Image) -> Image.Image:
    if image.mode in ("L", "RGB"):
        return image
    if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
        # Ink on a transparent background: paper is white.
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if image.mode in ("1", "I", "I;16", "F"):
        return image.convert("L")
    return image.convert("RGB")


def _check_pdf(data: bytes) -> list[UploadedPage]:
    with _open_pdf(data) as pdf:
        count = len(pdf)
        cap = settings.DIGITSIGHT_MAX_PDF_PAGES
        if count == 0:
            raise UploadRejected("The PDF has no pages.")
        if count > cap:
            raise UploadRejected(f"The PDF has {count} pages; the limit is {cap}. Please split it.")
        return [_measure_page(pdf, number) for number in range(1, count + 1)]


@contextmanager
def _open_pdf(data: bytes):
    """The PdfDocument, closed after use; a file PDFium refuses is the teacher's message."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise UploadRejected(_pdf_error(exc, data)) from exc
    try:
        yield pdf
    finally:
        pdf.close()


def _measure_page(pdf, number: int) -> UploadedPage:
    # Loading a page object reads its size without drawing it; a damaged one fails here already.
    try:
        width_pt, height_pt = pdf[number - 1].get_size()
    except Exception as exc:
        raise UploadRejected(f"Page {number} of the PDF cannot be rendered.") from exc
    if width_pt < 1 or height_pt < 1:
        raise UploadRejected(f"Page {number} of the PDF has no size.")
    scale = _render_scale(width_pt, height_pt)
    return UploadedPage(png=None, width=round(width_pt * scale), height=round(height_pt * scale), page=number)


def render_pdf_page(data: bytes, number: int) -> UploadedPage:
    """Page `number` (1-based) of a checked PDF as a clean PNG; UploadRejected if it cannot be drawn."""
    with _open_pdf(data) as pdf:
        if not 1 <= number <= len(pdf):
            raise UploadRejected(f"The PDF has no page {number}.")
        return _render_page(pdf, number)


EMPTY_PAGE_TREE = re.compile(rb"/Count\s*0\b")
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
ENCRYPTED = re.compile(rb"/Encrypt\b")


def _pdf_error(exc, data: bytes) -> str:
    code = getattr(exc, "err_code", None)
    # PDFium's last error is process-wide: it refuses a well-formed document with an empty page
    # tree without setting it (0, or stale from an earlier file), so the file itself decides.
    if EMPTY_PAGE_TREE.search(data) and not PAGE_OBJECT.search(data):
        return "The PDF has no pages."
    if code == 4 and ENCRYPTED.search(data):  # FPDF_ERR_PASSWORD
        return "The PDF is password-protected. Please upload an unprotected copy."
    if code == 0:
        return "The PDF has no pages."
    return "The PDF is damaged and cannot be read."


def _render_scale(width_pt: float, height_pt: float) -> float:
    # Huge page sizes are legal in PDF: shrink the rendering to fit the pixel cap.
    scale = PDF_DPI / 72
    cap = min(settings.DIGITSIGHT_MAX_PDF_PAGE_PIXELS, settings.DIGITSIGHT_MAX_PIXELS)
    fit = (cap / max(width_pt * height_pt * scale * scale, 1)) ** 0.5
    return scale * min(1.0, fit * 0.99)


def _render_page(pdf, number: int) -> UploadedPage:
    # A damaged page object fails on load, not only on render: both are the file's fault.
    try:
        page = pdf[number - 1]
        image = page.render(scale=_render_scale(*page.get_size()), grayscale=False).to_pil()
    except Exception as exc:
        raise UploadRejected(f"Page {number} of the PDF cannot be rendered.") from exc
    return _page_from(image, page=number)
