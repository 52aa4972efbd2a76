"""The line model: number strips, CTC decoding, training and its place in the reader."""

import numpy as np
import pytest

from ml import compose, segment
from ml import data as mnist_data
from ml.litert import LineReader, decode_ctc
from ml.reader import _line_digits
from ml.signs import BLANK


def _blob(x, y, w, h, fill=1.0):
    mask = np.ones((h, w), bool)
    return segment.Blob(x, y, w, h, mask, np.full((h, w), fill, np.float32))


def _frames(path: str) -> np.ndarray:
    """(T, 14) probabilities that put 0.9 on each frame's symbol ('-' is the blank)."""
    frames = np.full((len(path), BLANK + 1), 0.01, np.float32)
    for t, symbol in enumerate(path):
        frames[t, BLANK if symbol == "-" else int(symbol)] = 0.9
    return frames


def test_it_scales_a_number_to_a_fixed_height_strip():
    strip, scale = segment.number_strip([_blob(100, 50, 40, 60), _blob(150, 55, 30, 50)])
    assert strip.shape[0] == segment.LINE_HEIGHT and strip.shape[1] % 4 == 0
    assert strip.dtype == np.uint8
    assert scale == pytest.approx(segment.LINE_INK / 60, rel=0.05)
    rows = np.flatnonzero(strip.max(axis=1) > 0)
    assert len(rows) == segment.LINE_INK  # the ink spans LINE_INK rows, whatever its size on the page
    # The gap between the blobs survives: ink, paper, ink.
    gap = segment.LINE_PAD + round(45 * scale)
    assert strip[:, gap].max() == 0 and strip[:, gap - 8].max() > 0 and strip[:, gap + 8].max() > 0


def test_it_normalizes_faint_ink_like_dark_ink():
    faint, _ = segment.number_strip([_blob(0, 0, 30, 40, fill=0.3)])
    dark, _ = segment.number_strip([_blob(0, 0, 30, 40, fill=0.9)])
    assert abs(int(faint.max()) - int(dark.max())) <= 2


def test_it_squeezes_very_long_numbers():
    strip, scale = segment.number_strip([_blob(0, 0, 4000, 20)])
    assert strip.shape[1] <= segment.MAX_LINE_WIDTH
    assert scale < segment.LINE_INK / 20


def test_it_decodes_repeats_and_blanks():
    assert [d for d, _, _ in decode_ctc(_frames("--44-4--7"))] == [4, 4, 7]
    assert [d for d, _, _ in decode_ctc(_frames("1111"))] == [1]
    assert decode_ctc(_frames("-----")) == []


def test_it_reports_each_digits_peak_and_confidence():
    frames = _frames("-33--8")
    frames[2, 3] = 0.99
    (d1, p1, t1), (d2, p2, t2) = decode_ctc(frames)
    assert (d1, t1) == (3, 2.0) and p1 == pytest.approx(0.99)
    assert (d2, t2) == (8, 5.0) and p2 == pytest.approx(0.9)


def test_it_boxes_a_reading_with_more_digits_than_the_cuts_found():
    group = [_blob(100, 20, 90, 40)]
    cut = [{"digit": 8, "confidence": 0.6, "box": (100, 20, 90, 40)}]
    scale = 0.5  # strip columns per page column
    found = [(1, 0.9, segment.LINE_PAD + 10 * scale), (8, 0.95, segment.LINE_PAD + 60 * scale)]
    digits = _line_digits(group, found, scale, cut)
    assert [d["digit"] for d in digits] == [1, 8]
    (x0, _, w0, _), (x1, _, w1, _) = (d["box"] for d in digits)
    assert x0 == 100 and x0 + w0 == x1 == 135 and x1 + w1 == 190  # split halfway between the peaks


def test_it_keeps_the_cut_boxes_when_the_counts_agree():
    cut = [
        {"digit": 7, "confidence": 0.5, "box": (0, 0, 10, 20)},
        {"digit": 1, "confidence": 0.9, "box": (12, 0, 5, 20)},
    ]
    digits = _line_digits([_blob(0, 0, 17, 20)], [(1, 0.97, 6.0), (1, 0.99, 14.0)], 1.0, cut)
    assert [(d["digit"], d["box"]) for d in digits] == [(1, (0, 0, 10, 20)), (1, (12, 0, 5, 20))]


@pytest.mark.slow
def test_it_trains_a_quick_line_model_that_reads_strips(tmp_path):
    if not mnist_data.cache_path().exists():
        pytest.skip("MNIST is not cached (run `make data`)")
    from ml import train_lines

    card = train_lines.main(["--quick", "--out", str(tmp_path), "--checkpoint", str(tmp_path / "l.keras")])
    assert card["quick"] is True and (tmp_path / "lines_math.tflite").exists()
    assert card["vocabulary"] == "0123456789-./"
    reader = LineReader(tmp_path / "lines_math.tflite")
    x, widths, _, _ = compose.load_strips(train_lines.QUICK_STRIPS)
    read = reader.read([x[0, :, : widths[0]], x[1, :, : widths[1]], x[2, :, : widths[2]]])
    assert len(read) == 3  # strips of different widths, one call
    assert all(isinstance(text, str) and len(text) == len(found) for text, found in read)


@pytest.mark.slow
def test_it_trains_a_quick_digits_only_line_model(tmp_path):
    if not mnist_data.cache_path().exists():
        pytest.skip("MNIST is not cached (run `make data`)")
    from ml import train_lines

    argv = ["--quick", "--kind", "strips", "--out", str(tmp_path), "--checkpoint", str(tmp_path / "l.keras")]
    card = train_lines.main(argv)
    assert card["file"] == "lines.tflite" and (card["vocabulary"], card["blank"]) == ("0123456789", 10)
    reader = LineReader(tmp_path / "lines.tflite")
    assert not reader.reads_signs  # the reader keeps the sign model for signs
    x, widths, _, _ = compose.load_strips(train_lines.QUICK_STRIPS)
    _, _, frames = reader.read([x[0, :, : widths[0]]], frames=True)[0]
    assert frames.shape[1] == 11


@pytest.mark.slow
@pytest.mark.parametrize("name", ["lines.tflite", "lines_math.tflite"])
def test_it_warm_starts_a_line_model_with_its_own_function(name, model_path):
    """A fine-tune of a shipped line model starts from exactly what it reads (folded norms undone)."""
    path = model_path.parent / name
    if not path.exists():
        pytest.skip(f"no {name} shipped")
    from ml import train_lines
    from ml.model import build_line_model

    reader = LineReader(path)
    reader.temperature = 1.0
    model = build_line_model(classes=11 if name == "lines.tflite" else 14)
    train_lines.warm_start(model, path)
    strip = (np.random.default_rng(0).random((32, 96)) > 0.8).astype(np.uint8) * 255
    _, _, frames = reader.read([strip], frames=True)[0]
    logits = np.asarray(model(strip[None, :, :, None].astype(np.float32) / 255.0, training=False))[0, 0]
    keras_frames = np.exp(logits - logits.max(axis=1, keepdims=True))
    keras_frames /= keras_frames.sum(axis=1, keepdims=True)
    assert np.abs(keras_frames - frames).max() < 1e-4


def test_it_composes_strips_from_training_digits():
    if not mnist_data.cache_path().exists():
        pytest.skip("MNIST is not cached (run `make data`)")
    x, widths, y, hand = compose.build_strips(40, seed=5)
    assert x.shape[1:] == (segment.LINE_HEIGHT, segment.MAX_LINE_WIDTH) and len(x) == len(y) >= 36
    lengths = (y >= 0).sum(axis=1)
    assert lengths.min() >= 1 and lengths.max() <= 6
    # Wider numbers make wider strips, and nothing is drawn beyond a strip's width.
    assert np.corrcoef(lengths, widths)[0, 1] > 0.5
    assert all(x[k, :, widths[k] :].max() == 0 for k in range(len(x)))
    assert set(hand) == {""}  # MNIST's writers only, unless Hands are asked for


def test_it_names_both_models_in_the_version_and_reads_without_the_line_model(tmp_path, model_path):
    import shutil

    from ml.reader import Reader

    if not (model_path.parent / "lines.tflite").exists():
        pytest.skip("no line model shipped beside the digit model")
    assert "+lines-" in Reader(model_path).model_version
    shutil.copy(model_path, tmp_path / model_path.name)
    alone = Reader(tmp_path / model_path.name)  # a digit model alone still reads every photo
    assert alone.line_reader is None and "+lines-" not in alone.model_version
    from ml import synth

    image = synth.encode(synth.render_number(synth.test_digits()[0][:3], np.random.default_rng(1)), None)
    assert len(alone.read(image)["numbers"]) == 1


def _reading(peaks, confidence=0.99, scale=1.0):
    """A line model reading with a digit peaking at each page column (x0 = 0)."""
    found = [(7, confidence, segment.LINE_PAD + x * scale) for x in peaks]
    return "7" * len(found), found, scale


def test_it_trusts_a_sure_line_reading_with_one_digit_per_blob():
    from ml.reader import _sure

    group = [_blob(0, 0, 20, 30), _blob(30, 0, 20, 30)]
    assert _sure(_reading([10, 40]), group)
    assert not _sure(_reading([10, 40], confidence=0.9), group)  # doubtful: cut and compare
    assert not _sure(_reading([10]), group)  # a blob without its digit
    assert not _sure(_reading([10, 25]), group)  # the second digit peaks between the blobs
    assert not _sure(None, group)  # no line model


def test_it_reads_clean_numbers_without_the_digit_classifier(reader, clear_digits):
    from ml import synth

    from .conftest import digits_for, numbers_of

    if reader.line_reader is None:
        pytest.skip("no line model shipped")
    calls = []
    classify = reader.classifier.scores
    reader.classifier.scores = lambda digits: calls.append(len(digits)) or classify(digits)
    try:
        read = []
        for seed, number in enumerate(["4853", "207", "61"]):
            digits = digits_for(clear_digits, number, offset=seed)
            image = synth.render_number(
                digits, np.random.default_rng(seed), synth.Style(gap=(0.2, 0.3)), height=48
            )
            read += numbers_of(reader.read(synth.encode(image, None)))
    finally:
        del reader.classifier.scores
    assert read == ["4853", "207", "61"]
    assert calls == []  # every digit was sure to the line model: no crop went to the digit classifier


def test_it_writes_a_share_of_numbers_in_other_hands():
    if not mnist_data.cache_path().exists():
        pytest.skip("MNIST is not cached (run `make data`)")
    x, y = mnist_data.load().x_train[:2000], mnist_data.load().y_train[:2000]
    # Stand-ins for font renders: the pools' pixels do not matter here, their hands do.
    pools = [compose._pool(x[:500], y[:500], ""), compose._pool(x[500:1000], y[500:1000], "fonts-a")]
    pools += [
        compose._pool(x[1000:1500], y[1000:1500], "fonts-b"),
        compose._pool(x[1500:], y[1500:], "fonts-b"),
    ]
    rng = np.random.default_rng(3)
    made = [compose._strip(rng, "strips", pools, compose.Hands("all", 0.5)) for _ in range(80)]
    hands = [hand for strip, _, hand in made if strip is not None]
    assert set(hands) == {"", "fonts-a", "fonts-b"}
    assert 0.3 < np.mean([h != "" for h in hands]) < 0.7
    # Each package is drawn alike, however many files it has.
    assert abs(hands.count("fonts-a") - hands.count("fonts-b")) < 0.5 * (len(hands) - hands.count(""))


def test_it_draws_no_other_hand_without_hands():
    if not mnist_data.cache_path().exists():
        pytest.skip("MNIST is not cached (run `make data`)")
    mnist = mnist_data.load()
    pools = [compose._pool(mnist.x_train, mnist.y_train, "")]
    made = compose._strip(np.random.default_rng(4), "strips", pools, None)
    same = compose.number_strip(np.random.default_rng(4), mnist.x_train, mnist.y_train)
    assert made[2] == "" and made[1] == same[1] and np.array_equal(made[0], same[0])


def test_it_leaves_out_the_held_out_fonts_strips():
    from ml import train_lines

    hand = np.array(["", "fonts-havana", "fonts-kiloji", "", "fonts-joscelyn"])
    x, widths, y = np.arange(5), np.arange(5) + 10, np.arange(5) + 20
    kept = train_lines._without_hands("havana,fonts-kiloji", x, widths, y, hand)
    assert [list(a) for a in kept] == [[0, 3, 4], [10, 13, 14], [20, 23, 24]]
    assert [list(a) for a in train_lines._without_hands("", x, widths, y, hand)][0] == [0, 1, 2, 3, 4]


def test_it_composes_strips_in_installed_handwriting_fonts():
    from ml import fonts

    if not mnist_data.cache_path().exists():
        pytest.skip("MNIST is not cached (run `make data`)")
    if not fonts.installed():
        pytest.skip("no allowed handwriting font is installed (scripts/system-deps.sh --train)")
    x, widths, y, hand = compose.build_strips(30, seed=5, processes=1, hands=compose.Hands("all", 0.6))
    assert len(x) == len(hand) >= 27
    assert 0 < (hand != "").sum() < len(hand)
    assert set(hand) - {""} <= {f.package for f in fonts.installed()}
