"""Temperature scaling for both models, fitted on *training* digits only, and its report.

    python -m ml.calibrate            # fits both temperatures and writes them into the model cards

A network trained with cross-entropy is over-confident: 0.99 does not mean
right 99 times in 100. One temperature T per model, softmax(logits / T),
fixes most of that without changing any reading (the argmax stays). The
reader applies the card's temperature (ml.litert.tempered).

* Digit classifier: T makes a digit's reported confidence (its probability
  among the ten digits) match how often it is right, on crops cut by our
  segmenter from photos of composed *training* digits (ml.compose, with a
  seed the training cache never used). The model saw these digits, not
  these renders; the test split is never touched.
* Line model with signs (lines_math.tflite): T makes a number's confidence (the product of its symbols'
  peaks, as the reader reports it) match how often the number is read
  exactly, on the 2% of training strips train_lines holds out.

Each card gets `temperature` and `calibration`: ECE before and after, and
the reliability diagram's bins (the Model page draws them).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ml.litert import DEFAULT_MODEL_DIR, tempered

BINS = 10
CALIBRATION_LINES = 3000  # composed lines of training digits: ~10k crops
CALIBRATION_SEED = 29  # not the training cache's seed (11)


def reliability(confidence: np.ndarray, correct: np.ndarray, bins: int = BINS) -> dict:
    """Expected calibration error and the reliability diagram's bins (equal-width)."""
    confidence, correct = np.asarray(confidence, float), np.asarray(correct, float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    rows, ece = [], 0.0
    for k in range(bins):
        member = which == k
        count = int(member.sum())
        row = {"low": round(float(edges[k]), 2), "high": round(float(edges[k + 1]), 2), "count": count}
        if count:
            row["confidence"] = float(confidence[member].mean())
            row["accuracy"] = float(correct[member].mean())
            ece += count / len(confidence) * abs(row["confidence"] - row["accuracy"])
        rows.append(row)
    return {"ece": float(ece), "bins": rows, "samples": int(len(confidence))}


def _search(loss, low: float = 0.25, high: float = 8.0) -> float:
    """The temperature minimising `loss`: a log-spaced grid, then a finer one around the best."""
    grid = np.exp(np.linspace(np.log(low), np.log(high), 60))
    best = grid[int(np.argmin([loss(t) for t in grid]))]
    fine = np.linspace(best / 1.08, best * 1.08, 41)
    return float(fine[int(np.argmin([loss(t) for t in fine]))])


def fit_classifier(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """T minimising the multiclass NLL of (N, C) softmax outputs."""
    rows = np.arange(len(labels))

    def nll(t):
        return -float(np.mean(np.log(np.maximum(tempered(probabilities, t)[rows, labels], 1e-12))))

    return _search(nll)


def fit_numbers(confidence_at, correct: np.ndarray) -> float:
    """T minimising the log-loss of "the number is right" given its confidence at T."""
    correct = np.asarray(correct, float)

    def loss(t):
        c = np.clip(confidence_at(t), 1e-6, 1 - 1e-6)
        return -float(np.mean(correct * np.log(c) + (1 - correct) * np.log(1 - c)))

    return _search(loss)


# ----------------------------------------------------------------- the models


def classifier_calibration(model_dir: Path, lines: int = CALIBRATION_LINES) -> dict:
    from ml import compose
    from ml.litert import Classifier

    classifier = Classifier(model_dir / "digits.tflite")
    classifier.temperature = 1.0
    rng = np.random.default_rng(CALIBRATION_SEED)
    from ml import data

    mnist = data.load()
    parts = [compose.line_crops(rng, mnist.x_train, mnist.y_train) for _ in range(lines)]
    x = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    scores = classifier.scores(x)
    digits = y < 10  # the reader reports a digit's confidence over the ten digits
    # Fitted to that reported confidence, not the 11-class likelihood: the share given to
    # "not one digit" makes the ten digits' top probability under-confident.
    temperature = fit_numbers(
        lambda t: tempered(scores[digits], t)[:, :10].max(axis=1),
        tempered(scores[digits], 1.0)[:, :10].argmax(axis=1) == y[digits],
    )
    before = _digit_reliability(scores[digits], y[digits], 1.0)
    after = _digit_reliability(scores[digits], y[digits], temperature)
    return _summary(
        temperature,
        before,
        after,
        f"{len(x)} crops cut by ml.segment from {lines} "
        "photographed numbers of MNIST training digits (ml.compose, seed 29)",
    )


def _digit_reliability(scores: np.ndarray, labels: np.ndarray, temperature: float) -> dict:
    p = tempered(scores, temperature)[:, :10]
    return reliability(p.max(axis=1), p.argmax(axis=1) == labels)


def line_calibration(model_dir: Path, strips: int = 60000) -> dict:
    from ml import compose, signs
    from ml.litert import LineReader

    x, widths, y, _ = compose.load_strips(strips, kind="math")
    held = max(1, len(x) // 50)  # exactly the strips train_lines held out
    reader = LineReader(model_dir / "lines_math.tflite")
    reader.temperature = 1.0
    frames = _line_frames(reader, [x[k, :, : widths[k]] for k in range(held)])
    truth = ["".join(signs.VOCAB[d] for d in row if d >= 0) for row in y[:held]]

    def read_at(t):
        texts, confidences = [], []
        for f in frames:
            found = _decode(tempered(f, t))
            texts.append("".join(signs.VOCAB[d] for d, _ in found))
            confidences.append(float(np.prod([p for _, p in found])) if found else 0.0)
        return texts, np.array(confidences)

    texts, _ = read_at(1.0)
    correct = np.array([a == b for a, b in zip(texts, truth, strict=True)])
    temperature = fit_numbers(lambda t: read_at(t)[1], correct)
    before = reliability(read_at(1.0)[1], correct)
    after = reliability(read_at(temperature)[1], correct)
    return _summary(temperature, before, after, f"{held} held-out strips of training digits (ml.train_lines)")


def _line_frames(reader, strips: list[np.ndarray]) -> list[np.ndarray]:
    """Each strip's (T, classes) probabilities at T = 1, trimmed to its own width."""
    out = []
    for strip in strips:
        with reader._lock:
            x = (strip / 255.0).astype(np.float32)[None, :, :, None]
            reader._interpreter.resize_tensor_input(reader._input, x.shape, strict=False)
            reader._interpreter.allocate_tensors()
            reader._shape = x.shape
            reader._interpreter.set_tensor(reader._input, x)
            reader._interpreter.invoke()
            out.append(reader._interpreter.get_tensor(reader._output)[0].copy())
    return out


def _decode(frames: np.ndarray) -> list[tuple[int, float]]:
    from ml.litert import decode_ctc

    return [(d, p) for d, p, _ in decode_ctc(frames)]


def _summary(temperature: float, before: dict, after: dict, data: str) -> dict:
    return {
        "temperature": round(temperature, 4),
        "calibration": {
            "data": data,
            "ece_before": round(before["ece"], 4),
            "ece_after": round(after["ece"], 4),
            "bins": after["bins"],
            "bins_before": before["bins"],
            "samples": after["samples"],
        },
    }


def write_card(path: Path, fields: dict) -> None:
    card = json.loads(path.read_text()) if path.exists() else {}
    card.update(fields)
    path.write_text(json.dumps(card, indent=2) + "\n")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_MODEL_DIR)
    parser.add_argument("--lines", type=int, default=CALIBRATION_LINES)
    parser.add_argument("--skip-digits", action="store_true")
    parser.add_argument("--skip-lines", action="store_true")
    args = parser.parse_args(argv)
    done = {}
    if not args.skip_digits:
        done["digits"] = classifier_calibration(args.model_dir, args.lines)
        write_card(args.model_dir / "model_card.json", done["digits"])
    if not args.skip_lines and (args.model_dir / "lines_math.tflite").exists():
        done["lines"] = line_calibration(args.model_dir)
        write_card(args.model_dir / "lines_math_card.json", done["lines"])
    for name, row in done.items():
        c = row["calibration"]
        print(
            f"{name}: T = {row['temperature']:.3f}, ECE {c['ece_before']:.4f} -> {c['ece_after']:.4f} "
            f"({c['samples']} samples)"
        )
    return done


if __name__ == "__main__":
    main()
