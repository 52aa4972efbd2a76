"""Evaluate the shipped LiteRT model and write reports for the web Model page.

    python -m ml.evaluate [--numbers-per-condition 150] [--skip-baselines]
    python -m ml.evaluate --numbers            # only the synthetic number benchmark
    python -m ml.evaluate --worksheets         # only the worksheet benchmark (ml.worksheet_bench)
    python -m ml.evaluate --raw-all            # all test digits alone: raw, upscaled, inverted (ml.raw_bench)
    python -m ml.evaluate --hands all          # numbers in handwriting fonts, per package (ml.hands_bench)

Writes to reports_dir() (var/reports/, or $DIGITSIGHT_REPORTS_DIR):
evaluation.json, confusion.png (heatmap) and curves.png (training history).
The number benchmark renders photos from MNIST *test* digits (ml.synth) and
scores whole-number exact matches per condition.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import time
from pathlib import Path

import numpy as np

from ml import data as mnist_data
from ml.litert import Classifier, default_model_path
from ml.reader import Reader

# SVM and kNN are quadratic-ish in the training set: on 2 cores a documented
# subset keeps `make evaluate` to minutes. Logistic regression uses all 60k.
BASELINE_SUBSETS = {"svm_rbf_pca50": 20000, "knn_k3_pca50": 60000, "logistic_regression": 60000}


def reports_dir() -> Path:
    return Path(os.environ.get("DIGITSIGHT_REPORTS_DIR", "var/reports"))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--numbers", action="store_true", help="run only the synthetic number benchmark")
    parser.add_argument(
        "--numbers-per-condition",
        "--per-condition",
        type=int,
        default=150,
        help="photos per condition (at 150 one error is 0.7 points; use 400+ to compare figures)",
    )
    parser.add_argument(
        "--conditions",
        default="",
        help="with --numbers: comma-separated conditions to read (the others are drawn, not read,"
        " so each photo is the same as in a full run)",
    )
    parser.add_argument(
        "--show-errors", action="store_true", help="with --numbers: print every misread number"
    )
    parser.add_argument("--worksheets", action="store_true", help="run only the worksheet benchmark")
    parser.add_argument(
        "--raw-all",
        action="store_true",
        help="read every test digit alone in its three raw forms (ml.raw_bench)",
    )
    parser.add_argument(
        "--raw-limit", type=int, default=10000, help="with --raw-all: the first this many digits"
    )
    parser.add_argument(
        "--worksheet-pages", type=int, default=40, help="worksheets (each scanned and photographed)"
    )
    parser.add_argument(
        "--sheet-pages", type=int, default=20, help="answer sheets (each scanned and photographed)"
    )
    parser.add_argument(
        "--worksheet-seed", type=int, default=None, help="worksheet pages' seed (7; 1007 with --tune)"
    )
    parser.add_argument(
        "--worksheet-layouts",
        default=None,
        help="worksheets of only these layouts, comma-separated (ml.worksheets_synth LAYOUTS, EXTRA_LAYOUTS)",
    )
    parser.add_argument(
        "--worksheet-regions",
        choices=("generator", "proposed"),
        default="generator",
        help="read worksheets against the generator's areas (the reported figures) or those"
        " ml.regions proposes on each blank (scores areas found, missed and extra too)",
    )
    parser.add_argument("--dump-failures", type=Path, default=None, help="keep worksheet pages read wrong")
    parser.add_argument(
        "--page-cache", type=Path, default=None, help="keep the generated worksheet photos here for reruns"
    )
    parser.add_argument("--skip-baselines", action="store_true")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--sweep",
        action="store_true",
        help="with --numbers: also print silent errors and flags at other review thresholds",
    )
    parser.add_argument(
        "--hands",
        default=None,
        help="number photos written in these allowed handwriting fonts (ml.hands_bench), per package",
    )
    parser.add_argument(
        "--tune",
        action="store_true",
        help="with --numbers or --worksheets: training digits, to tune the reader without the test split",
    )
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    model_path = Path(args.model or default_model_path())
    pool = None
    if args.tune:
        mnist = mnist_data.load()
        pool = (mnist.x_train, mnist.y_train)
    if args.worksheets:
        from ml import worksheet_bench

        seed = args.worksheet_seed
        if seed is None:
            seed = worksheet_bench.TUNE_SEED if args.tune else worksheet_bench.REPORT_SEED
        result = worksheet_bench.worksheet_benchmark(
            Reader(model_path),
            args.worksheet_pages,
            args.sheet_pages,
            seed,
            pool,
            dump=args.dump_failures,
            cache=args.page_cache,
            layouts=_worksheet_layouts(args.worksheet_layouts),
            regions=args.worksheet_regions,
        )
        worksheet_bench.print_report(result)
        reports_dir().mkdir(parents=True, exist_ok=True)
        (reports_dir() / "worksheets.json").write_text(json.dumps(result, indent=1) + "\n")
        return result
    if args.raw_all:
        return _raw_all(Reader(model_path), pool, args.raw_limit)
    if args.hands:
        from ml import hands_bench

        result = hands_bench.hands_benchmark(Reader(model_path), args.hands, args.numbers_per_condition)
        hands_bench.print_report(result)
        return result
    if args.numbers:
        only = tuple(c for c in args.conditions.split(",") if c)
        result = number_benchmark(Reader(model_path), args.numbers_per_condition, args.seed, pool, only=only)
        _print_numbers(result)
        if args.show_errors:
            _print_errors(result)
        if args.sweep:
            _print_sweep(result)
        return result
    out = reports_dir()
    out.mkdir(parents=True, exist_ok=True)
    mnist = mnist_data.load()
    report = {"model_version": Reader(model_path).model_version, **mnist_accuracy(model_path, mnist)}
    report["baselines"] = [] if args.skip_baselines else baselines(mnist)
    report["numbers"] = number_benchmark(Reader(model_path), args.numbers_per_condition, args.seed)
    report["generated_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    plot_confusion(np.array(report["confusion"]), out / "confusion.png")
    plot_curves(model_path.parent / "history.json", out / "curves.png")
    (out / "evaluation.json").write_text(json.dumps(report, indent=1) + "\n")
    _print_report(report)
    print(f"wrote {out / 'evaluation.json'}, confusion.png, curves.png")
    return report


def _worksheet_layouts(names: str | None) -> tuple[str, ...]:
    from ml import worksheets_synth as ws

    if not names:
        return ws.LAYOUTS
    layouts = tuple(name.strip() for name in names.split(",") if name.strip())
    unknown = [name for name in layouts if name not in ws.LAYOUTS + ws.EXTRA_LAYOUTS]
    if unknown or not layouts:
        known = ", ".join(ws.LAYOUTS + ws.EXTRA_LAYOUTS)
        raise SystemExit(
            f"--worksheet-layouts: unknown layout(s) {', '.join(unknown) or names!r}; known: {known}"
        )
    return layouts


def _raw_all(reader: Reader, pool, limit: int) -> dict:
    from ml import raw_bench

    if pool is None:
        mnist = mnist_data.load()
        pool = (mnist.x_test, mnist.y_test)
    images, labels = pool
    result = raw_bench.raw_benchmark(reader, images[:limit], labels[:limit])
    raw_bench.print_report(result)
    reports_dir().mkdir(parents=True, exist_ok=True)
    (reports_dir() / "raw_digits.json").write_text(json.dumps(result, indent=1) + "\n")
    return result


def mnist_accuracy(model_path: Path, mnist) -> dict:
    classifier = Classifier(model_path)
    started = time.perf_counter()
    predicted = classifier.predict(mnist.x_test).argmax(axis=1)
    seconds = time.perf_counter() - started
    confusion = np.zeros((10, 10), int)
    np.add.at(confusion, (mnist.y_test.astype(int), predicted), 1)
    return {
        "accuracy": float((predicted == mnist.y_test).mean()),
        "per_class": {str(d): float(confusion[d, d] / confusion[d].sum()) for d in range(10)},
        "confusion": confusion.tolist(),
        "infer_ms_per_digit": 1000 * seconds / len(predicted),
    }


def baselines(mnist) -> list[dict]:
    """Classical models on the same split, fitted on the training digits only."""
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    x_train = mnist.x_train.reshape(len(mnist.x_train), -1).astype(np.float32) / 255.0
    x_test = mnist.x_test.reshape(len(mnist.x_test), -1).astype(np.float32) / 255.0
    models = {
        "svm_rbf_pca50": lambda: make_pipeline(
            PCA(50, random_state=0), SVC(kernel="rbf", C=10, gamma="scale")
        ),
        "knn_k3_pca50": lambda: make_pipeline(PCA(50, random_state=0), KNeighborsClassifier(3, n_jobs=2)),
        "logistic_regression": lambda: make_pipeline(
            StandardScaler(), LogisticRegression(max_iter=200, C=0.1)
        ),
    }
    rows = []
    for name, build in models.items():
        n = BASELINE_SUBSETS[name]
        model = build()
        started = time.perf_counter()
        model.fit(x_train[:n], mnist.y_train[:n])
        trained = time.perf_counter() - started
        started = time.perf_counter()
        predicted = model.predict(x_test)
        inferred = time.perf_counter() - started
        rows.append(
            {
                "name": name,
                "accuracy": float((predicted == mnist.y_test).mean()),
                "train_seconds": round(trained, 2),
                "infer_ms_per_digit": round(1000 * inferred / len(x_test), 4),
                "train_samples": n,
            }
        )
        print(f"  baseline {name}: {rows[-1]['accuracy']:.4f} ({trained:.1f} s)", flush=True)
    return rows


def number_benchmark(
    reader: Reader, per_condition: int, seed: int = 2024, pool=None, extra: bool = True, only=()
) -> dict:
    """Whole-number exact-match accuracy on synthetic photos, per condition, with the
    review figures: silent errors (wrong and not flagged) and the share flagged.

    The photos are made of MNIST test digits unless `pool` gives others. `extra`
    adds ml.conditions' raw digits, inverted and padded digits, math answers and
    chalkboards after ml.synth's photo conditions (whose figures stay as they were).
    `only` reads just those conditions; the others' photos are still drawn, so
    every photo read is the one a full run reads.
    """
    from ml import conditions, synth

    rng = np.random.default_rng(seed)
    by_condition, times, totals, read, errors = {}, [], _Tally(), [], []
    names = synth.CONDITIONS + (conditions.EXTRA_CONDITIONS if extra else ())
    unknown = set(only) - set(names)
    if unknown:
        raise ValueError(f"unknown conditions {sorted(unknown)}; choose from {', '.join(names)}")
    for condition in names:
        tally = _Tally()
        make = synth.make_sample if condition in synth.CONDITIONS else conditions.make_sample
        for k in range(per_condition):
            sample = make(rng, condition, pool)
            if only and condition not in only:
                continue
            result = reader.read(sample.image)
            times.append(result["elapsed_ms"])
            tally.add(result, sample.labels, reader.review_threshold)
            read.append((result, sample.labels))
            predicted = [n["number"] for n in result["numbers"]]
            if _matches(predicted, sample.labels) < len(sample.labels):
                errors.append(
                    {"condition": condition, "index": k, "truth": sample.labels, "read": _brief(result)}
                )
        if not only or condition in only:
            by_condition[condition] = tally.row()
            totals.merge(tally)
    return {
        **{"overall": totals.row()["accuracy"]},
        "numbers": totals.total,
        "silent_errors": totals.row()["silent_errors"],
        "flagged": totals.row()["flagged"],
        "flagged_correct": totals.row()["flagged_correct"],
        "review_threshold": reader.review_threshold,
        "by_condition": by_condition,
        "median_ms_per_photo": float(np.median(times)),
        "seed": seed,
        "sweep": _sweep(read),
        "errors": errors,
    }


def _brief(result: dict) -> list[list]:
    """A reading's numbers with their lowest digit confidence: what a misread shows."""
    return [[n["number"], round(min(d["confidence"] for d in n["digits"]), 3)] for n in result["numbers"]]


def _print_errors(numbers: dict) -> None:
    print("\n  misread numbers (condition, photo, truth -> read [number, lowest digit confidence]):")
    for e in numbers["errors"]:
        print(f"  {e['condition']:16s} {e['index']:4d} {' '.join(e['truth'])} -> {e['read']}")


def margin(rate: float, n: int) -> float:
    """Half the 95% Wilson interval of a rate measured on n numbers: a figure's uncertainty."""
    if n <= 0:
        return 0.0
    z = 1.96
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    spread = z * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(max(centre + spread - rate, rate - (centre - spread)))


SWEEP = (0.5, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98)


def _sweep(read: list) -> list[dict]:
    """The review figures at other thresholds, from the same readings (for choosing the rule)."""
    rows = []
    for threshold in SWEEP:
        tally = _Tally()
        for result, labels in read:
            tally.add(result, labels, threshold)
        rows.append({"threshold": threshold, **tally.row()})
    return rows


def _print_sweep(numbers: dict) -> None:
    print(f"\n  {'threshold':>9s} {'silent':>7s} {'flagged':>8s} {'flag/ok':>8s}")
    for row in numbers["sweep"]:
        print(
            f"  {row['threshold']:9.2f} {row['silent_errors']:7.4f} {row['flagged']:8.4f} "
            f"{row['flagged_correct']:8.4f}"
        )


class _Tally:
    """Numbers read right, wrong but flagged for review, wrong and silent."""

    def __init__(self):
        self.total = self.correct = self.silent = self.flagged = self.flagged_correct = 0

    def add(self, result: dict, truth: list[str], threshold: float) -> None:
        numbers = result["numbers"]
        predicted = [n["number"] for n in numbers]
        flags = [any(d["confidence"] < threshold for d in n["digits"]) for n in numbers]
        right = _matches(predicted, truth)
        self.total += len(truth)
        self.correct += right
        if len(predicted) == len(truth):
            for p, t, flag in zip(predicted, truth, flags, strict=True):
                self.flagged += flag
                self.flagged_correct += flag and p == t
                self.silent += p != t and not flag
        else:
            # A missing or extra number shows in grading (the count is off): flagged.
            self.flagged += len(truth) - right
            self.flagged_correct += sum(f for p, f in zip(predicted, flags, strict=True) if p in truth)
            self.flagged += sum(f for p, f in zip(predicted, flags, strict=True) if p in truth)

    def merge(self, other: _Tally) -> None:
        for key in ("total", "correct", "silent", "flagged", "flagged_correct"):
            setattr(self, key, getattr(self, key) + getattr(other, key))

    def row(self) -> dict:
        total = max(self.total, 1)
        return {
            "accuracy": self.correct / total,
            "numbers": self.total,
            "silent_errors": self.silent / total,
            "flagged": self.flagged / total,
            "flagged_correct": self.flagged_correct / max(self.correct, 1),
        }


def _matches(predicted: list[str], truth: list[str]) -> int:
    """Numbers read exactly and in order (longest common subsequence), so one
    missed or extra number on a worksheet costs one number, not the page."""
    table = np.zeros((len(predicted) + 1, len(truth) + 1), int)
    for i, p in enumerate(predicted):
        for j, t in enumerate(truth):
            table[i + 1, j + 1] = table[i, j] + 1 if p == t else max(table[i, j + 1], table[i + 1, j])
    return int(table[-1, -1])


def plot_confusion(confusion: np.ndarray, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 5.6))
    shown = np.log1p(confusion)
    image = ax.imshow(shown, cmap="Blues")
    for i in range(10):
        for j in range(10):
            if confusion[i, j]:
                color = "white" if shown[i, j] > shown.max() / 2 else "black"
                ax.text(j, i, str(confusion[i, j]), ha="center", va="center", fontsize=7, color=color)
    ax.set(xticks=range(10), yticks=range(10), xlabel="predicted", ylabel="true digit")
    ax.set_title("MNIST test confusion matrix (log colour scale)")
    fig.colorbar(image, ax=ax, label="log(1 + count)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_curves(history_path: Path, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    history = json.loads(history_path.read_text()) if history_path.exists() else []
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(9, 3.6))
    epochs = [row["epoch"] for row in history]
    for key in ("loss", "val_loss"):
        if history and key in history[0]:
            loss_ax.plot(epochs, [row[key] for row in history], label=key)
    for key in ("accuracy", "val_accuracy"):
        if history and key in history[0]:
            acc_ax.plot(epochs, [row[key] for row in history], label=key)
    loss_ax.set(title="loss", xlabel="epoch")
    acc_ax.set(title="accuracy (augmented training batches)", xlabel="epoch")
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)
        if history:
            ax.legend()
    if not history:
        fig.suptitle(f"no training history at {history_path}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _print_report(report: dict) -> None:
    print(f"\nmodel {report['model_version']}")
    print(f"{'model':24s} {'accuracy':>9s} {'train s':>9s} {'ms/digit':>9s} {'train n':>8s}")
    cnn = f"{'CNN (LiteRT)':24s} {report['accuracy']:9.4f} {'-':>9s} {report['infer_ms_per_digit']:9.4f}"
    print(f"{cnn} {60000:8d}")
    for row in report["baselines"]:
        print(
            f"{row['name']:24s} {row['accuracy']:9.4f} {row['train_seconds']:9.1f} "
            f"{row['infer_ms_per_digit']:9.4f} {row['train_samples']:8d}"
        )
    print("per class: " + " ".join(f"{d}:{a:.4f}" for d, a in report["per_class"].items()))
    _print_numbers(report["numbers"])


def _print_numbers(numbers: dict) -> None:
    print(f"\nsynthetic numbers (exact match), median {numbers['median_ms_per_photo']:.1f} ms/photo")
    print(f"  review threshold {numbers.get('review_threshold', '-')}: silent = wrong and not flagged")
    print(f"  {'condition':16s} {'exact':>6s} {'+-95%':>6s} {'silent':>7s} {'flagged':>8s} {'flag/ok':>8s}")
    overall = {**numbers, "accuracy": numbers["overall"]}
    for condition, row in [*numbers["by_condition"].items(), ("overall", overall)]:
        print(
            f"  {condition:16s} {row['accuracy']:6.3f} {margin(row['accuracy'], row['numbers']):6.3f} "
            f"{row.get('silent_errors', 0):7.3f} {row.get('flagged', 0):8.3f} "
            f"{row.get('flagged_correct', 0):8.3f}  ({row['numbers']} numbers)"
        )


if __name__ == "__main__":
    main()
