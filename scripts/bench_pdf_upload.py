"""What a hostile-but-legal PDF costs: 50 pages of 200 x 200 inches.

    python scripts/bench_pdf_upload.py

Prints the seconds the web request spends on it (check_upload: validate, count and measure the
pages, which is all create_predictions does before storing the PDF once) and the seconds a worker
spends rendering one page (render_pdf_page, bounded by DIGITSIGHT_MAX_PDF_PAGE_PIXELS). Before the
worker rendered the pages, the request rendered all 50 at up to 40 megapixels each.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def huge_pdf(pages: int, inches: int) -> bytes:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    for _ in range(pages):
        document.new_page(inches * 72, inches * 72)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--inches", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "digitsight.settings.local")
    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile

    from predictor.uploads import check_upload, render_pdf_page

    data = huge_pdf(args.pages, args.inches)
    started = time.perf_counter()
    checked = check_upload(SimpleUploadedFile("poster.pdf", data))
    request_s = time.perf_counter() - started
    started = time.perf_counter()
    page = render_pdf_page(checked.pdf, 1)
    render_s = time.perf_counter() - started
    print(f"PDF: {args.pages} pages of {args.inches}x{args.inches} in, {len(data)} bytes")
    print(f"request (check_upload): {request_s * 1000:.1f} ms for {len(checked.pages)} pages")
    print(
        f"worker (render_pdf_page): {render_s:.2f} s per page at {page.width}x{page.height} "
        f"(cap {settings.DIGITSIGHT_MAX_PDF_PAGE_PIXELS / 1e6:.0f} MP)"
    )


if __name__ == "__main__":
    main()
