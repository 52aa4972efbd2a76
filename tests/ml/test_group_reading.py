"""One group-reading step for photos (Reader.read) and worksheet areas (Reader.read_blob_sets)."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from ml import segment, synth
from ml.load import MIN_WORK_SIDE, load_image

from .conftest import digits_for, math_photo, numbers_of


def _areas(images: list[bytes]) -> list[tuple]:
    """Each photo's blobs, mask and ink, found as Reader.read finds them, as areas to read."""
    areas = []
    for image in images:
        array, _ = load_image(image)
        ink = segment.ink_map(array)
        ink, mask = segment.rescale(ink, segment.binarize(ink), MIN_WORK_SIDE)
        mask, ink, _ = segment.remove_rules(mask, ink)
        areas.append((segment.find_blobs(mask, ink), mask, ink))
    return areas


@pytest.mark.parametrize("label", ["-12", "3.5", "3/4"])
def test_it_reads_signs_in_worksheet_areas_too(reader, clear_digits, label):
    if reader.sign_reader is None:
        pytest.skip("no shipped line model reads signs")
    photos = [math_photo(clear_digits, label, seed) for seed in range(3)]
    found = reader.read_blob_sets(_areas(photos))
    read = [[n["number"] for n in numbers] for numbers in found]
    assert sum(r == [label] for r in read) >= 2, read


def test_it_reads_an_area_with_the_same_steps_as_a_photo(reader):
    # Lone-digit check, sign model, cuts: these photos read the same both ways where the line
    # model and the cuts agree (areas weigh a disagreement between them the older way).
    rng = np.random.default_rng(5)
    photos = [synth.make_sample(rng, condition).image for condition in ("clean", "touching", "mixed") * 3]
    found = reader.read_blob_sets(_areas(photos) + [([], None, None)])
    assert found[-1] == []  # an empty area reads nothing
    agreed = [
        (photo, numbers)
        for photo, numbers in zip(photos, found, strict=False)
        if all(n["agreed"] for n in numbers)
    ]
    assert len(agreed) >= 6
    for photo, numbers in agreed:
        assert [n["number"] for n in numbers] == numbers_of(reader.read(photo))


class _SwappingClassifier:
    """The shipped classifier, except that it reads every 1 as a 7 (as on a 1 with a hook)."""

    def __init__(self, classifier):
        self.classifier = classifier

    def predict(self, digits: np.ndarray) -> np.ndarray:
        probabilities = self.classifier.predict(digits).copy()
        ones = probabilities.argmax(axis=1) == 1
        probabilities[ones, 7], probabilities[ones, 1] = probabilities[ones, 1], probabilities[ones, 7]
        return probabilities


def test_it_flags_an_area_the_line_model_reads_surely_where_the_classifier_reads_a_digit_otherwise(
    reader, clear_digits
):
    # Most silent misreads on answer sheets were numbers the line model read surely, one digit
    # per blob, that were never shown to the classifier: in an area, every digit is checked.
    swapped = copy.copy(reader)
    swapped.classifier = _SwappingClassifier(reader.classifier)
    rng = np.random.default_rng(3)
    photo = synth.encode(synth.photograph(_strip(clear_digits, "138", rng), None, synth.Style(), rng), None)
    (numbers,) = reader.read_blob_sets(_areas([photo]))
    assert [(n["number"], n["agreed"]) for n in numbers] == [("138", True)]
    (numbers,) = swapped.read_blob_sets(_areas([photo]))
    assert not all(n["agreed"] for n in numbers), numbers
    # A photo's numbers are checked digit by digit only where they are a lone digit.
    assert numbers_of(swapped.read(photo)) == ["138"]


def _strip(clear_digits, number: str, rng) -> np.ndarray:
    strip, _, _ = synth.lay_out(digits_for(clear_digits, number), rng, synth.Style(gap=(0.15, 0.2)), 48)
    return np.pad(strip, ((40, 40), (60, 60)))
