"""ml.fonts: MNIST-shaped renders, the font allow-list, and ml.train's --fonts/--init-from wiring.

The handwriting fonts are installed for training only (scripts/system-deps.sh
--train): tests that need them skip when they are absent. The renderer itself
is tested on a print font (DejaVu), which the test machines have.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from ml import fonts

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dejavu() -> Path:
    paths = [p for p in fonts.package_files("fonts-dejavu-core") if p.name == "DejaVuSans.ttf"]
    if not paths:
        pytest.skip("the print font DejaVu Sans (fonts-dejavu-core) is not installed")
    return paths[0]


@pytest.fixture(scope="module")
def handwriting() -> list:
    kept = fonts.installed()
    if not kept:
        pytest.skip("no allowed handwriting font is installed (scripts/system-deps.sh --train)")
    return kept


def _assert_mnist_shaped(digit: np.ndarray) -> None:
    assert digit.shape == (28, 28) and digit.dtype == np.uint8
    rows, cols = np.nonzero(digit > 60)
    # MNIST: the digit fits a 20 x 20 box, centred by its centre of mass.
    assert rows.max() - rows.min() <= 21 and cols.max() - cols.min() <= 21
    weight = digit.astype(float)
    cy = (weight.sum(axis=1) * np.arange(28)).sum() / weight.sum()
    cx = (weight.sum(axis=0) * np.arange(28)).sum() / weight.sum()
    assert abs(cy - 14) < 1.5 and abs(cx - 14) < 1.5


def test_it_renders_a_print_font_as_mnist_shaped_digits(dejavu, reader):
    face = fonts.load_font(dejavu, allow_print=True)
    assert fonts.has_digits(face)
    clean = np.stack([fonts.render(fonts.glyph(face, str(d)), None) for d in range(10)])
    for digit in clean:
        _assert_mnist_shaped(digit)
    # Printed digits are easy: the shipped classifier must read nearly all of them.
    read = reader.classifier.predict(clean).argmax(axis=1)
    assert (read == np.arange(10)).sum() >= 9


def test_it_distorts_renders_and_keeps_them_mnist_shaped(dejavu):
    face = fonts.load_font(dejavu, allow_print=True)
    rng = np.random.default_rng(3)
    renders = [fonts.render(fonts.glyph(face, "4"), rng) for _ in range(20)]
    for digit in renders:
        _assert_mnist_shaped(digit)
    assert len({r.tobytes() for r in renders}) == 20  # every render differs


def test_it_refuses_a_font_not_on_the_list(dejavu, tmp_path):
    # A print font is refused where handwriting is asked for ...
    with pytest.raises(fonts.FontNotAllowed):
        fonts.load_font(dejavu)
    # ... and any other file, even a copy of an allowed one, is refused outright.
    copy = tmp_path / "SomeHand.ttf"
    shutil.copy(dejavu, copy)
    with pytest.raises(fonts.FontNotAllowed):
        fonts.load_font(copy, allow_print=True)
    with pytest.raises(fonts.FontNotAllowed):
        fonts.select("dejavu-core")


def test_it_lists_the_same_packages_as_system_deps():
    script = (ROOT / "scripts" / "system-deps.sh").read_text()
    block = re.search(r'"--train" \] && want\+=\((.*?)\)', script, re.S).group(1)
    assert tuple(block.split()) == fonts.HANDWRITING_PACKAGES


def test_it_finds_only_allowed_fonts_with_digits(handwriting):
    assert {f.package for f in handwriting} <= set(fonts.HANDWRITING_PACKAGES)
    assert not {f.path.name for f in handwriting} & set(fonts.DROPPED)
    for font in handwriting:
        assert fonts.has_digits(fonts.load_font(font.path)), font.name


def test_it_renders_every_kept_font(handwriting):
    x, y, owner = fonts.renders(handwriting, 2, seed=1)
    assert x.shape == (20 * len(handwriting), 28, 28)
    assert np.bincount(y).tolist() == [2 * len(handwriting)] * 10
    assert set(owner) == set(range(len(handwriting)))
    _assert_mnist_shaped(x[0])


def test_it_draws_the_continental_variants():
    x, y, owner = fonts.drawn(4, seed=2)
    assert x.shape == (12, 28, 28)
    assert y.tolist() == [1] * 4 + [7] * 4 + [4] * 4
    for digit in x:
        _assert_mnist_shaped(digit)


def test_it_mixes_fonts_and_drawn_digits_in_with_their_weight(handwriting):
    from ml import data as mnist_data
    from ml import train

    name = handwriting[0].package.removeprefix("fonts-")
    args = train.parse_args(["--quick", "--fonts", name, "--font-renders", "2", "--drawn", "3"])
    args.composed_lines, args.font_weight = 0, 0.25
    x, y, weights = train._training_set(args, mnist_data.load())
    files = sum(f.package.removeprefix("fonts-") == name for f in handwriting)
    extra = 20 * files + 9
    assert len(x) == train.QUICK_SAMPLES + extra and x.shape[1:] == (28, 28, 1)
    assert np.all(weights[: train.QUICK_SAMPLES] == args.mnist_weight)
    assert np.all(weights[train.QUICK_SAMPLES :] == 0.25)
    assert y[-9:].tolist() == [1, 1, 1, 7, 7, 7, 4, 4, 4]


def test_it_trains_without_fonts_by_default():
    from ml import train

    args = train.parse_args(["--quick"])
    assert args.fonts is None and args.drawn == 0 and args.init_from is None
    assert train._font_digits(args) == []


def test_it_warm_starts_from_the_shipped_model(model_path):
    pytest.importorskip("tensorflow")
    from ml import data as mnist_data
    from ml.litert import Classifier
    from ml.model import build_model, warm_start

    mnist = mnist_data.load()
    model = build_model()
    warm_start(model, model_path, mnist.x_train[:512])
    x = mnist.x_test[:200]
    ours = model.predict((x / 255.0).astype(np.float32)[..., None], verbose=0)
    classifier = Classifier(model_path)
    classifier.temperature = 1.0  # the network's own outputs, before the card's calibration
    shipped = classifier.scores(x)
    assert np.abs(ours - shipped).max() < 0.01
    assert (ours.argmax(axis=1) == shipped.argmax(axis=1)).all()


def test_it_reads_number_photos_in_other_hands_per_package(handwriting, reader):
    from ml import hands_bench

    result = hands_bench.hands_benchmark(reader, "leckerli-one", 4, conditions=("clean",))
    row = result["packages"]["fonts-leckerli-one"]
    assert set(result["packages"]) == {"fonts-leckerli-one"} and set(row["by_condition"]) == {"clean"}
    assert 0.0 <= row["silent_errors"] <= 1.0 - row["overall"] <= 1.0
    assert row["by_condition"]["clean"]["numbers"] == 4


def test_it_refuses_other_hands_outside_the_allowed_fonts(reader):
    from ml import hands_bench

    with pytest.raises(fonts.FontNotAllowed):
        hands_bench.hands_benchmark(reader, "dejavu-core", 4)  # a print font: not a hand


def test_it_says_so_when_no_handwriting_font_is_installed_for_other_hands(reader):
    from ml import hands_bench

    if fonts.installed():
        pytest.skip("the allowed handwriting fonts are installed here")
    with pytest.raises(SystemExit, match="no allowed handwriting font is installed"):
        hands_bench.hands_benchmark(reader, "all", 4)
