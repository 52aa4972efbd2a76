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


def huge_pages(count: int, inches: int = 200) -> bytes:
    """Pages as big as PDF allows (200 x 200 inches): within every documented upload limit."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    for _ in range(count):
        document.new_page(inches * 72, inches * 72)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_it_accepts_50_huge_pages_without_rendering_one_in_the_request(api, settings, no_rendering):
    # It held a gunicorn worker for 40 s: the request now only counts and measures the pages.
    response = api.post("/api/predictions/", {"image": SimpleUploadedFile("poster.pdf", huge_pages(50))})
    assert response.status_code == 202, response.content[:300]
    body = response.json()
    assert [p["page"] for p in body["predictions"]] == list(range(1, 51))
    assert {p["status"] for p in body["predictions"]} == {"pending"}
    [stored] = stored_files(settings)  # the PDF, once, for all 50 pages
    assert stored.suffix == ".pdf" and Prediction.objects.filter(image__endswith=".pdf").count() == 50


def test_it_renders_each_page_in_the_worker_at_a_bounded_scale(
    owner, settings, django_capture_on_commit_callbacks
):
    from PIL import Image

    from predictor.services import create_predictions

    settings.DIGITSIGHT_MAX_PDF_PAGE_PIXELS = 2_000_000
    with django_capture_on_commit_callbacks(execute=True):
        pages = create_predictions(owner, SimpleUploadedFile("poster.pdf", huge_pages(2)))
    for prediction in pages:
        prediction.refresh_from_db()
        assert prediction.status == "done", prediction.error
        image = Image.open(prediction.image.open("rb"))
        assert image.format == "PNG" and image.size == (prediction.width, prediction.height)
        assert 1_900_000 < image.width * image.height <= 2_000_000
    # Both pages rendered: nothing refers to the PDF any more, so it is gone.
    assert sorted(p.suffix for p in stored_files(settings) if p.suffix != ".wav") == [".png", ".png"]


def test_it_fails_a_page_whose_stored_pdf_went_bad_with_a_clear_message(
    owner, settings, django_capture_on_commit_callbacks
):
    from predictor.services import create_predictions

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        [prediction] = create_predictions(owner, SimpleUploadedFile("scan.pdf", images.pdf(pages=1)))
    with prediction.image.storage.open(prediction.image.name, "wb") as handle:
        handle.write(b"%PDF-1.4\n" + b"\x00garbage" * 50)
    for callback in callbacks:
        callback()
    prediction.refresh_from_db()
    assert prediction.status == "failed" and "The PDF is damaged" in prediction.error


def test_it_waits_for_the_page_before_serving_its_image(api, owner_client, no_rendering):
    response = api.post("/api/predictions/", {"image": SimpleUploadedFile("scan.pdf", images.pdf(pages=1))})
    pk = response.json()["id"]
    assert api.get(f"/api/predictions/{pk}/image/").status_code == 404
    assert owner_client.get(f"/predictions/{pk}/image/").status_code == 404


def test_it_deletes_the_shared_pdf_with_its_last_page(
    api, settings, no_rendering, django_capture_on_commit_callbacks
):
    response = api.post("/api/predictions/", {"image": SimpleUploadedFile("scan.pdf", images.pdf(pages=2))})
    first, second = (p["id"] for p in response.json()["predictions"])
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/predictions/{first}/").status_code == 204
    assert len(stored_files(settings)) == 1  # the other page still needs it
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/predictions/{second}/").status_code == 204
    assert stored_files(settings) == []


def encrypted_pdf() -> bytes:
    """A one-page PDF behind the standard security handler, whose password nobody gave us."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> /P -44 >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size 5 /Root 1 0 R /Encrypt 4 0 R /ID [<%s> <%s>] >>\n" % (b"ab" * 16, b"ab" * 16)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def test_it_refuses_an_encrypted_pdf_in_the_request_with_a_clear_400(api, settings, no_rendering):
    response = api.post("/api/predictions/", {"image": SimpleUploadedFile("locked.pdf", encrypted_pdf())})
    assert response.status_code == 400
    assert "password-protected" in response.json()["image"][0]
    assert not Prediction.objects.exists() and not stored_files(settings)


def test_it_refuses_a_bad_pdf_in_a_class_upload_and_keeps_the_good_one(
    owner, owner_client, settings, no_rendering
):
    from grading.models import Submission
    from tests.grading.factories import AssignmentFactory

    assignment = AssignmentFactory(owner=owner)
    files = [
        SimpleUploadedFile("locked.pdf", encrypted_pdf()),
        SimpleUploadedFile("ok.pdf", images.pdf(pages=2)),
    ]
    response = owner_client.post(f"/assignments/{assignment.pk}/upload/", {"pages": files}, follow=True)
    assert "locked.pdf: The PDF is password-protected" in response.content.decode()
    assert Submission.objects.filter(assignment=assignment).count() == 2  # both pages of ok.pdf
    assert [p.suffix for p in stored_files(settings)] == [".pdf"]  # stored once, rendered by the worker
