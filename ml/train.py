"""Train the digit CNN on MNIST's 60k training digits and export it to LiteRT.

    python -m ml.train            # the from-scratch recipe (29 min on 2 idle cores)
    python -m ml.train --quick    # small subset, seconds; for tests
    python -m ml.train --init-from ml/artifacts/digits.tflite --fonts all --epochs 3 \
        --learning-rate 3e-4          # a fine-tune with the allowed handwriting fonts (ml.fonts)

Only the training split is used for fitting (DEVELOPERS.md's training-data
rule), with digits rendered from the allowed handwriting fonts and drawn
continental variants (`--fonts`, `--drawn`; ml.fonts) where asked for; the test
split is touched once, after training, to report accuracy.
Checkpoints after every epoch let an interrupted run resume (--resume).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from pathlib import Path

import numpy as np

from ml import data as mnist_data
from ml.litert import DEFAULT_MODEL_DIR, Classifier

MODEL_FILE = "digits.tflite"
CARD_FILE = "model_card.json"
HISTORY_FILE = "history.json"
QUICK_SAMPLES = 6000
COMPOSED_LINES = 20000
QUICK_LINES = 150


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--width", type=int, default=32)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--mnist-weight",
        type=float,
        default=2.0,
        help="loss weight of MNIST's own digits against the composed crops",
    )
    parser.add_argument(
        "--composed-lines",
        type=int,
        default=COMPOSED_LINES,
        help="numbers composed from training digits for the 'not one digit' class (ml.compose)",
    )
    parser.add_argument(
        "--fonts",
        default=None,
        help="mix in renders of these allowed handwriting fonts: 'all' or packages/files, "
        "comma-separated (ml.fonts); default none",
    )
    parser.add_argument("--font-renders", type=int, default=300, help="renders per font and digit")
    parser.add_argument(
        "--drawn", type=int, default=None, help="drawn continental 1/7/4, each (default 2000 with --fonts)"
    )
    parser.add_argument("--font-weight", type=float, default=0.5, help="loss weight of font and drawn digits")
    parser.add_argument(
        "--init-from", type=Path, default=None, help="start from a digits.tflite's weights (fine-tune)"
    )
    parser.add_argument("--out", type=Path, default=None, help=f"default {DEFAULT_MODEL_DIR}")
    parser.add_argument("--checkpoint", type=Path, default=None, help="default var/train/checkpoint.keras")
    parser.add_argument("--resume", action="store_true", help="continue from --checkpoint")
    parser.add_argument("--quick", action="store_true", help="tiny run for tests: 6k digits, 3 epochs")
    parser.add_argument("--export-only", action="store_true", help="export --checkpoint, no training")
    args = parser.parse_args(argv)
    # A quick run must never overwrite the shipped model or the full run's checkpoint.
    work = Path("var/train/quick" if args.quick else "var/train")
    args.out = args.out or (work if args.quick else DEFAULT_MODEL_DIR)
    args.checkpoint = args.checkpoint or work / "checkpoint.keras"
    if args.drawn is None:
        args.drawn = 2000 if args.fonts else 0
    args.init_text = _init_text(args.init_from)  # before an export can overwrite that file
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    if args.quick:
        # Small enough for a test on 2 cores, big enough to be far above chance.
        args.epochs, args.batch_size = min(args.epochs, 3), 64
        args.width = args.width if args.init_from else 8  # a warm start keeps the shipped width
        args.composed_lines = min(args.composed_lines, QUICK_LINES)
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(args.seed)
    mnist = mnist_data.load()
    if args.export_only:
        history = json.loads(args.checkpoint.with_suffix(".history.json").read_text())
        return export(keras.models.load_model(args.checkpoint), args, mnist, history, None)
    x_train, y_train, weights = _training_set(args, mnist)
    model, initial_epoch, history = _model_and_state(args, len(x_train))
    started = time.monotonic()
    callbacks = _callbacks(args, history)
    model.fit(
        _dataset(tf, x_train, y_train, weights, args.batch_size, args.seed),
        epochs=args.epochs,
        initial_epoch=initial_epoch,
        callbacks=callbacks,
        verbose=2,
    )
    seconds = time.monotonic() - started
    return export(model, args, mnist, history, seconds)


def _training_set(args, mnist) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MNIST's training digits plus crops our segmenter cut from numbers composed of them,
    font renders and drawn variants, and each sample's loss weight (--mnist-weight for
    the MNIST digits, --font-weight for the fonts' and drawn ones)."""
    from ml import compose

    x, y = mnist.x_train, mnist.y_train
    if args.quick:
        x, y = x[:QUICK_SAMPLES], y[:QUICK_SAMPLES]
    parts = [(x, y, args.mnist_weight)]
    if args.composed_lines:
        parts.append((*compose.load(args.composed_lines), 1.0))
    parts += [(fx, fy, args.font_weight) for fx, fy in _font_digits(args)]
    weights = np.concatenate([np.full(len(px), w, np.float32) for px, _, w in parts])
    x = np.concatenate([px for px, _, _ in parts])
    y = np.concatenate([py.astype(np.uint8) for _, py, _ in parts])
    return _prepare(x), y, weights


def _font_digits(args) -> list[tuple[np.ndarray, np.ndarray]]:
    """Renders of the chosen allowed fonts (cached) and drawn variants, training seeds only."""
    from ml import fonts

    sets = []
    if args.fonts:
        chosen = fonts.select(args.fonts)
        if not chosen:
            raise SystemExit("--fonts: no allowed font is installed (scripts/system-deps.sh --train)")
        args.font_names = [f.path.name for f in chosen]
        sets.append(fonts.cached_renders(chosen, args.font_renders, fonts.TRAIN_SEED)[:2])
    if args.drawn:
        sets.append(fonts.drawn(args.drawn, fonts.TRAIN_SEED)[:2])
    return sets


def _prepare(images: np.ndarray) -> np.ndarray:
    return (images.astype(np.float32) / 255.0)[..., None]


def _dataset(tf, x, y, weights, batch_size: int, seed: int):
    from ml.model import augment

    ds = tf.data.Dataset.from_tensor_slices((x, y.astype(np.int32), weights))
    ds = ds.shuffle(len(x), seed=seed, reshuffle_each_iteration=True).batch(batch_size)
    ds = ds.map(lambda images, labels, w: (augment(images), labels, w), num_parallel_calls=2)
    return ds.prefetch(2)


def _model_and_state(args, n_train: int):
    import keras

    from ml.model import build_model

    history_path = args.checkpoint.with_suffix(".history.json")
    steps_per_epoch = -(-n_train // args.batch_size)
    if args.resume and args.checkpoint.exists():
        model = keras.models.load_model(args.checkpoint)
        history = json.loads(history_path.read_text()) if history_path.exists() else []
        # Resuming recompiles with the schedule of an --epochs run, so a resumed
        # run may also shorten or lengthen the remaining schedule.
        _compile(model, args, steps_per_epoch)
        model.optimizer.iterations.assign(len(history) * steps_per_epoch)
        return model, len(history), history
    classes = 11 if args.composed_lines else 10
    model = build_model(width=args.width, dropout=0.1 if args.quick else 0.4, classes=classes)
    if args.init_from:
        from ml.model import warm_start

        warm_start(model, args.init_from, mnist_data.load().x_train[:2048])
    if args.quick:
        _fast_batchnorm(model)
    _compile(model, args, steps_per_epoch)
    return model, 0, []


def _compile(model, args, steps_per_epoch: int) -> None:
    import keras

    model.compile(
        optimizer=keras.optimizers.Adam(warm_cosine(args.learning_rate, args.epochs * steps_per_epoch)),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )


def warm_cosine(learning_rate: float, steps: int):
    """Warm up from a tenth of the rate over 5% of the steps, then cosine-decay to 1% of it."""
    import keras

    return keras.optimizers.schedules.CosineDecay(
        learning_rate / 10, steps, warmup_target=learning_rate, warmup_steps=steps // 20, alpha=0.01
    )


def _fast_batchnorm(model) -> None:
    """A few hundred steps leave Keras' default moving averages (momentum 0.99)
    mostly at their initial values, so the exported model reads at chance."""
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = 0.9


def _callbacks(args, history: list):
    import keras

    args.checkpoint.parent.mkdir(parents=True, exist_ok=True)
    history_path = args.checkpoint.with_suffix(".history.json")

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            row = {"epoch": epoch + 1, **{k: float(v) for k, v in (logs or {}).items()}}
            history.append(row)
            self.model.save(args.checkpoint)
            history_path.write_text(json.dumps(history))

    return [Record()]


def export(model, args, mnist, history: list, seconds: float | None) -> dict:
    """Write the LiteRT model, its card and its curves; return the card."""
    args.out.mkdir(parents=True, exist_ok=True)
    model_path = args.out / MODEL_FILE
    _export_litert(model, model_path)
    # Accuracy is measured on the exported file, the artifact we actually serve.
    classifier = Classifier(model_path)
    probabilities = classifier.predict(mnist.x_test)
    predicted = probabilities.argmax(axis=1)
    per_class = {str(d): float((predicted[mnist.y_test == d] == d).mean()) for d in range(10)}
    card = {
        "name": "digitsight-cnn",
        "version": dt.date.today().strftime("%Y.%m.%d") + ("-quick" if args.quick else ""),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "framework": "keras " + __import__("keras").__version__ + " -> LiteRT",
        "file": MODEL_FILE,
        "file_sha256": _sha256(model_path),
        "data": _data_text(args),
        "data_rule": "train on MNIST's 60k training digits, augmentation computed from them, "
        "procedurally drawn strokes and the allowed handwriting fonts only (DEVELOPERS.md); "
        "MNIST's 10k test digits are for evaluation only",
        "data_sha256": mnist.checksum(),
        "parameters": int(model.count_params()),
        "epochs": len(history),
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "augmentation": "affine (rotation +-10 deg, shear +-0.2, scale 0.88-1.12, "
        "aspect 0.92-1.08, shift +-2.5 px), stroke dilation/erosion, blur, noise",
        "training_seconds": round(seconds, 1) if seconds is not None else None,
        "train_samples": QUICK_SAMPLES if args.quick else 60000,
        "classes": int(model.output_shape[-1]),
        "composed_lines": args.composed_lines,
        "mnist_weight": args.mnist_weight,
        "composed": "class 10 = not one digit: merged pairs and fragments, plus digits as our "
        "segmenter cuts them, from numbers composed of MNIST training digits (ml.compose)",
        "test_accuracy": float((predicted == mnist.y_test).mean()),
        "test_errors": int((predicted != mnist.y_test).sum()),
        "per_class_accuracy": per_class,
        "quick": bool(args.quick),
        "init_from": args.init_text,
        "fonts": getattr(args, "font_names", []),
        "font_renders": args.font_renders if args.fonts else 0,
        "drawn_per_variant": args.drawn,
        "font_weight": args.font_weight if (args.fonts or args.drawn) else None,
    }
    (args.out / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n")
    (args.out / HISTORY_FILE).write_text(json.dumps(history, indent=1) + "\n")
    print(f"test accuracy {card['test_accuracy']:.4f} ({card['test_errors']} errors)")
    print(f"wrote {model_path} ({model_path.stat().st_size // 1024} KiB) and {CARD_FILE}")
    return card


def _data_text(args) -> str:
    text = "MNIST (60,000 training digits; 10,000 test digits for evaluation only)"
    if getattr(args, "font_names", None):
        text += (
            f"; {args.font_renders} distorted renders per digit of each allowed handwriting font "
            "(Debian packages listed in DEVELOPERS.md; ml.fonts)"
        )
    if args.drawn:
        text += f"; {args.drawn} drawn continental 1s, 7s and 4s each (pen strokes, ml.fonts)"
    return text


def _init_text(path: Path | None) -> str | None:
    """The starting model: its file name and the sha256 its card records, if any."""
    if path is None:
        return None
    card = Path(path).parent / CARD_FILE
    sha = json.loads(card.read_text()).get("file_sha256") if card.exists() else _sha256(Path(path))
    return f"{Path(path).name} sha256 {sha}"


def _export_litert(model, path: Path) -> None:
    export_litert(lambda x: model(x, training=False), [None, 28, 28, 1], "digits", path)


def export_litert(serve, shape: list, name: str, path: Path) -> None:
    """Write `serve` (a function of one float32 input of `shape`) as a LiteRT model."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    function = tf.function(serve, input_signature=[tf.TensorSpec(shape, tf.float32, name=name)])
    # Freeze the weights into constants: converted as resource variables they are
    # never initialised by the LiteRT runtime and every output is NaN.
    frozen = convert_variables_to_constants_v2(function.get_concrete_function())
    converter = tf.lite.TFLiteConverter.from_concrete_functions([frozen])
    path.write_bytes(converter.convert())


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
