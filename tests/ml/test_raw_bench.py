"""The full raw-digit benchmark (ml.raw_bench) counts what the reader gets wrong."""

from __future__ import annotations

import numpy as np

from ml import conditions, raw_bench


def test_it_counts_sure_digits_right_and_a_blank_one_wrong(reader, clear_digits):
    images = np.stack([clear_digits[3][0], clear_digits[8][0], np.zeros((28, 28), np.uint8)])
    labels = np.array([3, 8, 5])

    result = raw_bench.raw_benchmark(reader, images, labels)

    assert set(result) == {"raw", "raw_upscaled", "inverted_padded"}
    for row in result.values():
        assert row["wrong"] == [2]
        assert row["accuracy"] == 2 / 3


def test_it_forms_the_digit_as_the_number_benchmark_does():
    digit = np.zeros((28, 28), np.uint8)
    digit[5:20, 12:15] = 255

    assert conditions.RAW_FORMS["raw_upscaled"](digit).shape == (112, 112)
    padded = conditions.RAW_FORMS["inverted_padded"](digit)
    assert padded.shape == (56, 56) and padded[0, 0] == 255 and padded[20, 27] == 0
