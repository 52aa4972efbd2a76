"""Crops for the "not one digit" class: labelled by which digits' ink they hold."""

import numpy as np
import pytest

from ml import compose
from ml import data as mnist_data

DIGITS = np.array([4, 8])


def test_it_labels_a_whole_clean_digit_as_that_digit():
    assert compose._label(np.array([0, 95]), np.array([100, 100]), DIGITS) == 8


def test_it_labels_a_fragment_as_not_one_digit():
    assert compose._label(np.array([40, 0]), np.array([100, 100]), DIGITS) == compose.REJECT


def test_it_labels_two_merged_digits_as_not_one_digit():
    assert compose._label(np.array([100, 100]), np.array([100, 100]), DIGITS) == compose.REJECT


def test_it_drops_crops_that_are_neither():
    # Two thirds of a 4 and a third of the 8: neither one clean digit nor a clear merge.
    assert compose._label(np.array([65, 30]), np.array([100, 100]), DIGITS) is None


def test_it_counts_an_inkless_crop_as_not_one_digit():
    assert compose._label(np.array([0, 0]), np.array([100, 100]), DIGITS) == compose.REJECT


def test_it_cuts_real_crops_from_training_digits_only():
    if not mnist_data.cache_path().exists():
        pytest.skip("MNIST is not cached (run `make data`)")
    mnist = mnist_data.load()
    rng = np.random.default_rng(3)
    crops, labels = [], []
    for _ in range(30):
        x, y = compose.line_crops(rng, mnist.x_train, mnist.y_train)
        crops.append(x)
        labels.append(y)
    x, y = np.concatenate(crops), np.concatenate(labels)
    assert x.shape[1:] == (28, 28) and x.dtype == np.uint8 and len(x) == len(y)
    assert (y == compose.REJECT).sum() > 10  # touching numbers yield merges and fragments
    assert ((y >= 0) & (y < 10)).sum() > 10  # and digits as the segmenter cuts them
    assert (x.reshape(len(x), -1).max(axis=1) > 100).all()  # every crop holds ink
