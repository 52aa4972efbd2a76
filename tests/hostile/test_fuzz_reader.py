"""Mutated images at ml.reader.Reader.read: a result or UnreadableImage, never another exception."""

import resource
import time

import pytest
from hypothesis import HealthCheck, example, given, settings

from ml.load import UnreadableImage
from tests.hostile.conftest import DATA
from tests.hostile.corpus import mutated_files

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]
IMAGE_FORMATS = ["jpeg", "png", "png_rgba", "webp"]
SECONDS_PER_FILE = 5
MAX_RSS_GROWTH_MB = 400
FUZZ = settings(
    max_examples=300, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip


def test_it_only_reads_or_refuses_mutated_images(ml_reader):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    @FUZZ
    @given(mutated_files(IMAGE_FORMATS))
    # Found by this test: an image with only specks too small for a digit crashed np.stack.
    @example(("png", (DATA / "specks-only.png").read_bytes()))
    def fuzz(named):
        started = time.monotonic()
        try:
            result = ml_reader.read(named[1])
        except UnreadableImage as exc:
            assert str(exc)
        else:
            assert isinstance(result["numbers"], list) and result["width"] > 0
        assert time.monotonic() - started < SECONDS_PER_FILE

    fuzz()
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before < MAX_RSS_GROWTH_MB


def test_it_reads_nothing_when_no_blob_yields_a_digit_crop(ml_reader, monkeypatch):
    # The fuzz found blobs whose every cut left a piece too small for a digit: no crops at all,
    # and np.stack([]) raised ValueError. Make every piece too small, whatever segmentation does.
    from ml import segment

    # Every blob too small to crop whole or in runs (segment.whole's and the lattice's "None" crop).
    monkeypatch.setattr(segment, "whole", lambda blob: None)
    monkeypatch.setattr(
        segment, "lattices", lambda blobs, heights: [([0.0, 0.0], {(0, 1): None}) for _ in blobs]
    )
    result = ml_reader.read((DATA / "specks-only.png").read_bytes())
    assert result["numbers"] == []


def test_it_reads_the_fuzz_found_specks_without_crashing(ml_reader):
    assert isinstance(ml_reader.read((DATA / "specks-only.png").read_bytes())["numbers"], list)
