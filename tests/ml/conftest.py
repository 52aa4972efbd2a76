"""Shared helpers for the recognition-engine tests (plain pytest, no database)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from ml import data as mnist_data
from ml.litert import default_model_path


@pytest.fixture(scope="session")
def model_path():
    path = default_model_path()
    if not path.exists():
        pytest.skip(f"no trained model at {path} yet (run `make train` or set DIGITSIGHT_MODEL)")
    return path


@pytest.fixture(scope="session")
def reader(model_path):
    from ml.reader import Reader

    return Reader(model_path)


@pytest.fixture(scope="session")
def clear_digits(reader):
    """For each class, MNIST test digits the model reads surely on their own.

    Layout tests then fail because of segmentation, not because of a
    handwriting sample that even a perfect pipeline could misread.
    """
    if not mnist_data.cache_path().exists():
        pytest.skip(f"MNIST is not cached at {mnist_data.cache_path()} (run `make data`)")
    from ml import synth

    x, y = synth.test_digits()
    probabilities = reader.classifier.predict(x[:2000])
    sure = (probabilities.argmax(axis=1) == y[:2000]) & (probabilities.max(axis=1) > 0.995)
    return {d: [x[i] for i in np.flatnonzero(sure & (y[:2000] == d))[:20]] for d in range(10)}


def digits_for(clear_digits, number: str, offset: int = 0) -> list[np.ndarray]:
    return [clear_digits[int(c)][(k + offset) % 20] for k, c in enumerate(number)]


def math_photo(clear_digits, label: str, seed: int, extra=None) -> bytes:
    """A photo of `label` ("-12", "3.5") with signs drawn between sure test digits; `extra(page,
    baseline)` may draw on the page (a speck, a dash) before it is photographed."""
    from ml import signs, synth

    rng = np.random.default_rng(seed)
    tokens = [
        c if signs.is_sign(c) else digits_for(clear_digits, c, offset=seed + k)[0]
        for k, c in enumerate(label)
    ]
    style = synth.Style(gap=(0.12, 0.2))
    strip, baseline = signs.lay_out(tokens, rng, style, 48, distract=False)
    page = np.pad(strip, ((40, 40), (60, 60)))
    if extra is not None:
        extra(page, baseline + 40)
    return synth.encode(synth.photograph(page, None, style, rng), None)


def png_bytes(image: Image.Image, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=params.pop("format", "PNG"), **params)
    return buffer.getvalue()


def numbers_of(result: dict) -> list[str]:
    return [n["number"] for n in result["numbers"]]
