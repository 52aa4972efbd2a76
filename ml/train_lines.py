"""Train the line model (a CNN with CTC) on numbers composed of MNIST training digits.

    python -m ml.train_lines --init-from ml/artifacts/lines.tflite --epochs 4 --learning-rate 1e-3
                                        # reproduces ml/artifacts/lines_math.tflite
    python -m ml.train_lines --kind strips --epochs 20
                                        # the digits-only ml/artifacts/lines.tflite's recipe
    python -m ml.train_lines --quick    # a few hundred strips, for tests
    python -m ml.train_lines --kind strips --hands all --init-from ml/artifacts/lines.tflite ...
                                        # a share of the numbers in handwriting fonts (ml.fonts)

The strips come from `ml.compose.load_strips`: numbers of 1-6 *training*
digits, photographed in random styles and cut out by our own segmenter, so
the model sees numbers exactly as the reader hands them over. The test split
is never used here (DEVELOPERS.md's training-data rule); the synthetic
benchmark (ml.evaluate --numbers) measures the result on test digits.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from pathlib import Path

import numpy as np

from ml import compose, signs
from ml.litert import DEFAULT_MODEL_DIR, LineReader
from ml.train import export_litert, warm_cosine

# The model with signs ships beside the digits-only lines.tflite, which keeps reading integers
# (it reads touching digits better: the math strips' digits touch less). Per --kind:
# (model file, card file, classes with the CTC blank last, what its strips are).
KINDS = {
    "math": (
        "lines_math.tflite",
        "lines_math_card.json",
        signs.BLANK + 1,
        "numbers of 1-6 MNIST training digits, and negatives, decimals and fractions with "
        "pen-drawn signs (ml.signs), composed and photographed by ml.compose, cut out by ml.segment "
        "with sign marks attached (never the test split)",
    ),
    "strips": (
        "lines.tflite",
        "lines_card.json",
        11,
        "numbers of 1-6 MNIST training digits composed and photographed by ml.compose, "
        "cut out by ml.segment (never the test split)",
    ),
}
STRIPS = 60000
QUICK_STRIPS = 400
BUCKET = 32  # strips are batched with others of about the same width


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--learning-rate", type=float, default=2e-3)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--strips", type=int, default=STRIPS)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--kind", choices=sorted(KINDS), default="math", help="math: lines_math.tflite; strips: lines.tflite"
    )
    parser.add_argument(
        "--data-seed", type=int, default=13, help="which composed strips (another seed: fresh numbers)"
    )
    parser.add_argument("--out", type=Path, default=None, help=f"default {DEFAULT_MODEL_DIR}")
    parser.add_argument("--checkpoint", type=Path, default=None, help="default var/train/lines.keras")
    parser.add_argument(
        "--freeze-norms",
        action="store_true",
        help="with --init-from: keep the folded batch normalisations as they are (a fine-tune starts "
        "from the shipped model's very function instead of re-learning batch statistics)",
    )
    parser.add_argument(
        "--hands",
        default=None,
        help="also numbers written in these allowed handwriting fonts (ml.fonts.select names, or all)",
    )
    parser.add_argument(
        "--hand-share", type=float, default=0.35, help="with --hands: the share of such numbers"
    )
    parser.add_argument(
        "--hold-out",
        default="",
        help="with --hands: leave out the strips of these font packages (leave-fonts-out measurement)",
    )
    parser.add_argument("--quick", action="store_true", help="tiny run for tests")
    parser.add_argument("--export-only", action="store_true", help="export the checkpoint as it is")
    parser.add_argument(
        "--init-from", type=Path, default=None, help="start from a shipped line model's weights"
    )
    args = parser.parse_args(argv)
    work = Path("var/train/quick" if args.quick else "var/train")
    if args.quick:
        args.strips, args.epochs, args.width = min(args.strips, QUICK_STRIPS), min(args.epochs, 2), 8
    args.out = args.out or (work if args.quick else DEFAULT_MODEL_DIR)
    args.checkpoint = args.checkpoint or work / "lines.keras"
    return args


def main(argv=None) -> dict:
    args = parse_args(argv)
    import keras

    keras.utils.set_random_seed(args.seed)
    hands = compose.Hands(args.hands, args.hand_share) if args.hands else None
    x, widths, y, hand = compose.load_strips(args.strips, seed=args.data_seed, kind=args.kind, hands=hands)
    x, widths, y = _without_hands(args.hold_out, x, widths, y, hand)
    held = max(1, len(x) // 50)  # 2% of the (training-digit) strips to watch for over-fitting
    valid = (x[:held], widths[:held], y[:held])
    train = (x[held:], widths[held:], y[held:])
    if args.export_only:
        model = keras.models.load_model(args.checkpoint)
        history = args.checkpoint.with_suffix(".history.json")
        model.history_rows = json.loads(history.read_text()) if history.exists() else []
        args.epochs = len(model.history_rows)
    else:
        model = _fit(args, train, valid)
    return export(model, args, valid, len(train[0]))


def _without_hands(names: str, x, widths, y, hand):
    """The strips not written in these font packages (comma-separated, "fonts-" optional)."""
    held_out = {f"fonts-{n.strip().removeprefix('fonts-')}" for n in names.split(",") if n.strip()}
    keep = ~np.isin(hand, sorted(held_out)) if held_out else np.ones(len(x), bool)
    return x[keep], widths[keep], y[keep]


def _fit(args, train, valid):
    import keras
    import tensorflow as tf

    from ml.model import build_line_model

    classes = KINDS[args.kind][2]
    model = build_line_model(width=args.width, dropout=0.05 if args.quick else 0.2, classes=classes)
    if args.init_from:
        warm_start(model, args.init_from)
        for layer in model.layers if args.freeze_norms else []:
            if layer.__class__.__name__ == "BatchNormalization":
                layer.trainable = False  # Keras then runs it in inference mode, on its moving statistics
    batches = _batches(np.random.default_rng(args.seed), train[1], args.batch_size)
    steps = max(1, args.epochs * len(batches))
    optimizer = keras.optimizers.Adam(warm_cosine(args.learning_rate, steps))
    step = _train_step(tf, model, optimizer, blank=classes - 1)
    rng = np.random.default_rng(args.seed)
    args.checkpoint.parent.mkdir(parents=True, exist_ok=True)
    history = []
    for epoch in range(args.epochs):
        started, losses = time.monotonic(), []
        for batch in _batches(rng, train[1], args.batch_size):
            images, labels, lengths = _batch(rng, train, batch, augment=True)
            losses.append(float(step(images, labels, lengths)))
        accuracy = _accuracy(model, valid)
        history.append({"epoch": epoch + 1, "loss": float(np.mean(losses)), "val_exact": accuracy})
        print(
            f"epoch {epoch + 1}: loss {np.mean(losses):.4f} val exact {accuracy:.4f} "
            f"({time.monotonic() - started:.0f} s)",
            flush=True,
        )
        model.save(args.checkpoint)
        args.checkpoint.with_suffix(".history.json").write_text(json.dumps(history))
    model.history_rows = history
    return model


def warm_start(model, tflite_path: Path) -> None:
    """Copy a shipped line model's weights (read from its LiteRT file) into a new model.

    The export folded each batch normalisation into its convolution's kernel and
    a bias: the kernel goes back into the convolution and the bias into the
    normalisation's offset, with unit scale and statistics. From a digits-only
    model the old blank moves to the new blank's index and the signs' outputs
    start small and learn; a model with signs is copied as it is.
    """
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(tflite_path))
    kernels, biases = {}, {}
    for detail in interpreter.get_tensor_details():
        name, shape = detail["name"], tuple(detail["shape"])
        if name.endswith("/convolution") and len(shape) == 4:
            kernels[name.split("/")[1]] = interpreter.get_tensor(detail["index"])
        elif len(shape) == 1 and ("batchnorm/add_1" in name or "BiasAdd" in name):
            try:
                biases[_bias_layer(name)] = interpreter.get_tensor(detail["index"])
            except ValueError:
                continue
    convs = [layer for layer in model.layers if layer.__class__.__name__ == "Conv2D"]
    norms = [layer for layer in model.layers if layer.__class__.__name__ == "BatchNormalization"]
    ordered = sorted(kernels, key=_layer_order)
    assert len(ordered) == len(convs), (ordered, len(convs))
    for k, (conv, name) in enumerate(zip(convs, ordered, strict=True)):
        kernel = np.transpose(kernels[name], (1, 2, 3, 0))  # LiteRT OHWI -> Keras HWIO
        if conv.name != "logits":
            conv.set_weights([kernel])
            norm = norms[k]
            eps = norm.epsilon
            channels = kernel.shape[-1]
            norm.set_weights(
                [np.ones(channels), biases[name], np.zeros(channels), np.full(channels, 1 - eps)]
            )
            continue
        new_kernel, new_bias = (w.copy() for w in conv.get_weights())
        old_bias = biases[name]
        if kernel.shape[-1] == new_kernel.shape[-1]:
            conv.set_weights([kernel, old_bias])
            continue
        new_kernel[..., :10], new_bias[:10] = kernel[..., :10], old_bias[:10]
        new_kernel[..., signs.BLANK], new_bias[signs.BLANK] = kernel[..., 10], old_bias[10]
        new_kernel[..., 10 : signs.BLANK] *= 0.1
        new_bias[10 : signs.BLANK] = old_bias[:10].min() - 1.0
        conv.set_weights([new_kernel, new_bias])


def _bias_layer(name: str) -> str:
    """The convolution a folded bias belongs to: 'activation_2_1' -> 'conv2d_2_1', 'logits_1'."""
    part = name.split(";")[0].split("/")[1]
    if part.startswith("logits"):
        return part
    if part.startswith("activation"):
        return "conv2d" + part[len("activation") :]
    raise ValueError(name)


def _layer_order(name: str) -> tuple:
    """Keras names convolutions conv2d_1, conv2d_1_2 (sic), conv2d_2_1, ...; logits last."""
    if name.startswith("logits"):
        return (99,)
    parts = name.split("_")[1:]
    return (int(parts[0]), len(parts)) if parts else (0,)


def _train_step(tf, model, optimizer, blank: int):
    signature = [
        tf.TensorSpec([None, 32, None, 1], tf.float32),
        tf.TensorSpec([None, signs.MAX_LABEL], tf.int32),
        tf.TensorSpec([None], tf.int32),
    ]

    @tf.function(input_signature=signature)
    def step(images, labels, lengths):
        with tf.GradientTape() as tape:
            logits = tf.squeeze(model(images, training=True), 1)
            frames = tf.fill([tf.shape(logits)[0]], tf.shape(logits)[1])
            loss = tf.reduce_mean(
                tf.nn.ctc_loss(
                    tf.maximum(labels, 0),
                    logits,
                    lengths,
                    frames,
                    logits_time_major=False,
                    blank_index=blank,
                )
            )
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    return step


def _batches(rng, widths: np.ndarray, size: int) -> list[np.ndarray]:
    """Shuffled batches of strips of about the same width (less padding to compute)."""
    buckets = -(-widths // BUCKET)
    batches = []
    for bucket in np.unique(buckets):
        members = rng.permutation(np.flatnonzero(buckets == bucket))
        batches += [members[k : k + size] for k in range(0, len(members), size)]
    return [batches[k] for k in rng.permutation(len(batches))]


def _batch(rng, data, index: np.ndarray, augment: bool):
    x, widths, y = data
    width = int(-(-widths[index].max() // BUCKET) * BUCKET)
    images = x[index, :, :width].astype(np.float32) / 255.0
    if augment:
        # Fainter or bolder ink than the segmenter's normalization gives, and a
        # strip that starts a few columns later.
        images = np.clip(images * rng.uniform(0.7, 1.15, (len(index), 1, 1)), 0, 1)
        shift = int(rng.integers(0, 5))
        images = np.pad(images, ((0, 0), (0, 0), (shift, 0)))[:, :, :width]
    lengths = (y[index] >= 0).sum(axis=1).astype(np.int32)
    return images[..., None], y[index], lengths


def _accuracy(model, valid) -> float:
    from ml.litert import decode_ctc

    correct = 0
    for k in range(len(valid[0])):
        strip = valid[0][k : k + 1, :, : valid[1][k]].astype(np.float32)[..., None] / 255.0
        logits = np.asarray(model(strip, training=False))[0, 0]
        probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        text = "".join(signs.VOCAB[d] for d, _, _ in decode_ctc(probabilities))
        correct += text == _label(valid[2][k])
    return correct / len(valid[0])


def _label(row: np.ndarray) -> str:
    return "".join(signs.VOCAB[d] for d in row if d >= 0)


def export(model, args, valid, train_count: int) -> dict:
    args.out.mkdir(parents=True, exist_ok=True)
    model_file, card_file, classes, data = KINDS[args.kind]
    path = args.out / model_file
    _export_litert(model, path)
    reader = LineReader(path)
    correct = 0
    for k in range(len(valid[0])):
        text = reader.read([valid[0][k, :, : valid[1][k]]])[0][0]
        correct += text == _label(valid[2][k])
    card = {
        "name": "digitsight-lines",
        "version": dt.date.today().strftime("%Y.%m.%d") + ("-quick" if args.quick else ""),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "framework": "keras " + __import__("keras").__version__ + " -> LiteRT",
        "file": model_file,
        "parameters": int(model.count_params()),
        "epochs": args.epochs,
        "strips": train_count,
        "vocabulary": signs.VOCAB[: classes - 1],
        "blank": classes - 1,
        "data": data + _hands_note(args),
        "validation_exact": correct / len(valid[0]),
        "history": getattr(model, "history_rows", []),
        "quick": bool(args.quick),
    }
    (args.out / card_file).write_text(json.dumps(card, indent=2) + "\n")
    print(
        f"validation exact {card['validation_exact']:.4f}; wrote {path} ({path.stat().st_size // 1024} KiB)"
    )
    return card


def _hands_note(args) -> str:
    if not args.hands:
        return ""
    left_out = f", leaving out {args.hold_out}" if args.hold_out else ""
    warm = f", warm-started from {args.init_from}" if args.init_from else ""
    return (
        f"; {args.hand_share:.0%} of the numbers written instead in the allowed handwriting fonts "
        f"'{args.hands}' (ml.fonts training renders{left_out}){warm}"
    )


def _export_litert(model, path: Path) -> None:
    import tensorflow as tf

    # Served as (batch, frames, len(VOCAB) + 1) probabilities: the reader decodes them with NumPy.
    export_litert(
        lambda x: tf.nn.softmax(tf.squeeze(model(x, training=False), 1)), [None, 32, None, 1], "strips", path
    )


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    main()
