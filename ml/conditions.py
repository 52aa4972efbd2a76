"""The number benchmark's harder conditions (issue 13), made of MNIST *test* digits.

* raw: one digit exactly as MNIST stores it, 28x28 white on black, as a PNG;
* raw_upscaled: the same digit 4x larger (bicubic), as a screenshot would be;
* inverted_padded: the same digit dark on light with a 14 px margin;
* math: a negative, a decimal or a fraction, signs pen-drawn (ml.signs) between test digits;
* chalkboard: light chalk on a dark board, photographed (blur, dust, uneven light).

Like ml.synth, for evaluation only; `pool` gives other digits (training
digits, to tune without looking at the test split).
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from ml import signs, synth

EXTRA_CONDITIONS = ("raw", "raw_upscaled", "inverted_padded", "math", "chalkboard")
# One MNIST digit as it is shown to the reader in the three raw conditions (also ml.raw_bench).
RAW_FORMS = {
    "raw": lambda im: im,
    "raw_upscaled": lambda im: cv2.resize(im, (112, 112), interpolation=cv2.INTER_CUBIC),
    "inverted_padded": lambda im: np.pad(255 - im, 14, constant_values=255),
}


def make_sample(rng: np.random.Generator, condition: str, pool=None) -> synth.Sample:
    x, y = pool if pool is not None else synth.test_digits()
    if condition in RAW_FORMS:
        k = int(rng.integers(0, len(x)))
        image = RAW_FORMS[condition](x[k])
        return synth.Sample(condition, synth.encode(image, None), [str(int(y[k]))])
    if condition == "math":
        return _math(rng, x, y)
    if condition == "chalkboard":
        return _chalkboard(rng, x, y)
    raise ValueError(f"unknown condition {condition!r}; choose from {', '.join(EXTRA_CONDITIONS)}")


def math_label(rng: np.random.Generator) -> str:
    """A negative, a decimal or a fraction (never a plain integer)."""
    while True:
        label = signs.math_label(rng)
        if any(signs.is_sign(c) for c in label):
            return label


def _math(rng, x, y) -> synth.Sample:
    label = math_label(rng)
    by_digit = [np.flatnonzero(y == d) for d in range(10)]
    tokens = [c if signs.is_sign(c) else x[rng.choice(by_digit[int(c)])] for c in label]
    style = replace(synth.Style(paper=synth.paper_tone(rng), jpeg=int(rng.integers(85, 96))), gap=(0.05, 0.3))
    height = int(rng.integers(26, 80))
    strip, baseline = signs.lay_out(tokens, rng, style, height, distract=False)
    margin_x, margin_y = int(rng.uniform(0.5, 1.5) * height), int(rng.uniform(0.5, 1.0) * height)
    page = np.pad(strip, ((margin_y, margin_y), (margin_x, margin_x)))
    return synth.Sample("math", synth.encode(synth.photograph(page, None, style, rng), style.jpeg), [label])


def _chalkboard(rng, x, y) -> synth.Sample:
    digits, label = synth.pick_digits(rng, int(rng.integers(1, 7)), (x, y))
    board = float(rng.uniform(30, 70))
    style = synth.Style(
        inverted=True,
        paper=(board * 0.8, board, board * 0.9),
        ink=tuple(float(v) for v in rng.uniform(195, 240, 3)),
        gap=(0.05, 0.4),
        gradient=float(rng.uniform(0.1, 0.5)),
        blur=float(rng.uniform(0.5, 1.3)),
        noise=float(rng.uniform(4, 10)),
        jpeg=int(rng.integers(60, 90)),
        stroke=float(rng.uniform(0.3, 1.5)),
        angle=float(rng.uniform(-3, 3)),
    )
    photo = synth.render_number(digits, rng, style)
    # Chalk dust: a faint smear of light over the board.
    dust = rng.normal(0, 1, (photo.shape[0] // 8 + 1, photo.shape[1] // 8 + 1)).astype(np.float32)
    dust = cv2.resize(np.abs(dust), (photo.shape[1], photo.shape[0]), interpolation=cv2.INTER_CUBIC)
    photo = np.clip(photo + (dust * rng.uniform(4, 12))[..., None], 0, 255).astype(np.uint8)
    return synth.Sample("chalkboard", synth.encode(photo, style.jpeg), [label])
