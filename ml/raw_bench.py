"""Every MNIST test digit through the reader, in the three forms of issue 13's target.

    python -m ml.evaluate --raw-all [--raw-limit 10000] [--tune]

Each digit is read alone, as `python -m ml.predict` reads a file: `raw` (28x28
white on black, as MNIST stores it), `raw_upscaled` (4x, bicubic) and
`inverted_padded` (dark on light with a 14 px margin), the same three forms as
ml.conditions (RAW_FORMS). A reading is right when it is exactly one number equal to the
label. The 400-photo conditions of `--numbers` draw 400 digits at random, so a
single error moves them by 0.25 points; this reads them all.

For evaluation only: `--tune` reads training digits instead.
"""

from __future__ import annotations

import cv2
import numpy as np

from ml import conditions


def raw_benchmark(reader, images: np.ndarray, labels: np.ndarray) -> dict:
    """Per form: digits, right, silent errors (wrong, not flagged), correct ones flagged and
    the indices read wrong."""
    return {name: _read_form(reader, images, labels, form) for name, form in conditions.RAW_FORMS.items()}


def _read_form(reader, images, labels, form) -> dict:
    right = silent = flagged_right = 0
    wrong = []
    for k, (image, label) in enumerate(zip(images, labels, strict=True)):
        ok, encoded = cv2.imencode(".png", form(image))
        result = reader.read(encoded.tobytes())
        numbers = result["numbers"]
        correct = len(numbers) == 1 and numbers[0]["number"] == str(int(label))
        flagged = result["needs_review"]
        if correct:
            right += 1
            flagged_right += flagged
        else:
            silent += not flagged
            wrong.append(k)
    n = len(labels)
    return {
        "digits": n,
        "accuracy": right / n,
        "silent_errors": silent / n,
        "flagged_correct": flagged_right / max(right, 1),
        "wrong": wrong,
    }


def print_report(result: dict) -> None:
    print(f"{'form':<16} {'digits':>6} {'right':>7} {'errors':>6} {'silent':>7} {'flag/ok':>7}")
    for name, row in result.items():
        errors = len(row["wrong"])
        print(
            f"{name:<16} {row['digits']:>6} {row['accuracy']:>7.4f} {errors:>6}"
            f" {row['silent_errors']:>7.4f} {row['flagged_correct']:>7.3f}"
        )
