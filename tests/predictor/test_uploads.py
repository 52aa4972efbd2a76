"""predictor.uploads.read_upload: decode, check, re-encode; reject with a readable message."""

import io

import pytest
from PIL import Image

from predictor.uploads import UploadRejected, read_upload
from tests.predictor import images
from tests.predictor.conftest import upload_file


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_it_accepts_common_formats_as_png(fmt, png_427):
    data = png_427 if fmt == "PNG" else images.reencode(png_427, fmt)
    [page] = read_upload(upload_file(f"photo.{fmt.lower()}", data))
    stored = Image.open(io.BytesIO(page.png))
    assert stored.format == "PNG"
    assert (page.width, page.height, page.page) == (360, 160, None)


def test_it_applies_exif_orientation_and_strips_metadata(png_427):
    [page] = read_upload(upload_file("phone.jpg", images.jpeg_with_exif(png_427, orientation=6)))
    stored = Image.open(io.BytesIO(page.png))
    assert (page.width, page.height) == (160, 360)  # rotated upright
    assert not stored.info.get("exif") and not stored.getexif()
    assert b"SecretCam" not in page.png


def test_it_judges_by_content_not_by_name(png_427):
    [page] = read_upload(upload_file("looks-like.pdf", png_427))
    assert page.width == 360


def test_it_renders_each_pdf_page():
    pages = read_upload(upload_file("scan.pdf", images.pdf(pages=3)))
    assert [p.page for p in pages] == [1, 2, 3]
    assert all(Image.open(io.BytesIO(p.png)).format == "PNG" for p in pages)


def test_it_rejects_a_pdf_over_the_page_cap(settings):
    settings.DIGITSIGHT_MAX_PDF_PAGES = 2
    with pytest.raises(UploadRejected, match="3 pages; the limit is 2"):
        read_upload(upload_file("scan.pdf", images.pdf(pages=3)))


@pytest.mark.parametrize("case", sorted(images.BAD_INPUTS))
def test_it_rejects_bad_input_with_a_clear_message(case):
    name, data, message = images.bad_input(case)
    with pytest.raises(UploadRejected, match=message):
        read_upload(upload_file(name, data))


def test_it_rejects_an_oversized_file(settings, png_427):
    settings.DIGITSIGHT_MAX_UPLOAD_BYTES = len(png_427) - 1
    with pytest.raises(UploadRejected, match="too large"):
        read_upload(upload_file("big.png", png_427))


def test_it_rejects_a_file_whose_declared_size_lies(settings, png_427):
    settings.DIGITSIGHT_MAX_UPLOAD_BYTES = 100
    fake = upload_file("big.png", png_427)
    fake.size = 10  # the stream is still read up to the cap
    with pytest.raises(UploadRejected, match="too large"):
        read_upload(fake)


def test_it_rejects_too_many_pixels_before_decoding(settings, png_427):
    settings.DIGITSIGHT_MAX_PIXELS = 360 * 160 - 1
    with pytest.raises(UploadRejected, match="360×160 pixels"):
        read_upload(upload_file("a.png", png_427))


def test_it_flattens_transparency_onto_white():
    image = Image.new("RGBA", (40, 20), (0, 0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    [page] = read_upload(upload_file("t.png", buffer.getvalue()))
    assert Image.open(io.BytesIO(page.png)).getpixel((5, 5)) == (255, 255, 255)
