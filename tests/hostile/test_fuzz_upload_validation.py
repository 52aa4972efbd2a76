"""Mutated JPEG/PNG/WebP/PDF bytes at the upload validation: UploadRejected or clean pages, nothing else."""

import resource
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, example, given, settings

from predictor.uploads import UploadRejected, read_upload
from tests.hostile.conftest import DATA
from tests.hostile.corpus import mutated_files

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]
SECONDS_PER_FILE = 5
MAX_RSS_GROWTH_MB = 400
FUZZ = settings(
    max_examples=300, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def check_one(data: bytes) -> None:
    started = time.monotonic()
    try:
        pages = read_upload(SimpleUploadedFile("upload.bin", data))
    except UploadRejected as exc:
        assert str(exc), "a rejection must say why"
    else:
        assert pages and all(p.png.startswith(b"\x89PNG") and p.width * p.height > 0 for p in pages)
    assert time.monotonic() - started < SECONDS_PER_FILE


def test_it_only_accepts_or_rejects_mutated_files():
    before = peak_rss_mb()

    @FUZZ
    @given(mutated_files())
    # Found by this test: a PDF whose page object is broken raised PdfiumError (a 500).
    @example(("pdf", (DATA / "broken-page-object.pdf").read_bytes()))
    def fuzz(named):
        check_one(named[1])

    fuzz()
    assert peak_rss_mb() - before < MAX_RSS_GROWTH_MB


def test_it_rejects_a_pdf_whose_page_cannot_load():
    with pytest.raises(UploadRejected, match="Page 1 of the PDF cannot be rendered"):
        read_upload(SimpleUploadedFile("scan.pdf", (DATA / "broken-page-object.pdf").read_bytes()))
