"""A 10,000-page PDF is refused at once, without rendering a page; a PDF without pages says so."""

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from predictor import uploads
from predictor.models import Prediction
from tests.hostile.conftest import stored_files
from tests.predictor import images

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def ten_thousand_pages() -> bytes:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    for _ in range(10_000):
        document.new_page(612, 792)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def no_rendering(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a page was rendered")

    monkeypatch.setattr(uploads, "_render_page", refuse)


def test_it_refuses_10000_pages_quickly_without_rendering(ten_thousand_pages, no_rendering):
    started = time.monotonic()
    with pytest.raises(uploads.UploadRejected, match="10000 pages; the limit is 50"):
        uploads.read_upload(SimpleUploadedFile("class.pdf", ten_thousand_pages))
    assert time.monotonic() - started < 2.0


def test_it_answers_10000_pages_with_400_and_stores_nothing(api, settings, ten_thousand_pages):
    response = api.post("/api/predictions/", {"image": SimpleUploadedFile("class.pdf", ten_thousand_pages)})
    assert response.status_code == 400 and "Please split it" in response.json()["image"][0]
    assert not Prediction.objects.exists() and not stored_files(settings)


def test_it_answers_a_pdf_without_pages_with_a_clear_400(owner_client, settings):
    response = owner_client.post(
        "/predictions/new/", {"images": SimpleUploadedFile("e.pdf", images.empty_pdf())}
    )
    assert response.status_code == 400
    assert "The PDF has no pages." in response.content.decode(), response.context["errors"]
    assert not Prediction.objects.exists() and not stored_files(settings)


def test_it_says_no_pages_even_after_a_damaged_pdf():
    # PDFium's last-error code is process-wide: a damaged PDF read earlier left it set, and a
    # PDF without pages was then reported as damaged (found by running this module after the fuzz).
    with pytest.raises(uploads.UploadRejected, match="damaged"):
        uploads.read_upload(SimpleUploadedFile("bad.pdf", b"%PDF-1.4\n" + b"\x00garbage" * 50))
    with pytest.raises(uploads.UploadRejected, match="The PDF has no pages."):
        uploads.read_upload(SimpleUploadedFile("e.pdf", images.empty_pdf()))
