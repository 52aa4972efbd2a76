"""Evaluate the shipped LiteRT model and write reports for the web Model page.

    python -m ml.evaluate [--numbers-per-condition 150] [--skip-baselines]
    python -m ml.evaluate --numbers            # only the synthetic number benchmark
    python -m ml.evaluate --worksheets         # only the worksheet benchmark (ml.worksheet_bench)

Writes to reports_dir() (var/reports/, or $DIGITSIGHT_REPORTS_DIR):
evaluation.json, confusion.png (heatmap) and curves.png (training history).
The number benchmark renders photos from MNIST *test* digits (ml.synth) and
scores whole-number exact matches per condition.
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
from ml.reader import Classifier, Reader, default_model_path

# SVM and kNN are quadratic-ish in the training set: on 2 cores a documented
# subset keeps `make evaluate` to minutes. Logistic regression uses all 60k.
BASELINE_SUBSETS = {"svm_rbf_pca50": 20000, "knn_k3_pca50": 60000, "logistic_regression": 60000}


def reports_dir() -> Path:
    return Path(os.environ.get("DIGITSIGHT_REPORTS_DIR", "var/reports"))


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--numbers", action="store_true", help="run only the synthetic number benchmark")
    parser.add_argument("--numbers-per-condition", type=int, default=150)
    parser.add_argument("--worksheets", action="store_true", help="run only the worksheet benchmark")
    parser.add_argument(
        "--worksheet-pages", type=int, default=40, help="worksheets (each scanned and photographed)"
    )
    parser.add_argument(
        "--sheet-pages", type=int, default=20, help="answer sheets (each scanned and photographed)"
    )
    parser.add_argument("--skip-baselines", action="store_true")
    parser.add_argument("--seed", type=int, default=2024)
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

        result = worksheet_bench.worksheet_benchmark(
            Reader(model_path), args.worksheet_pages, args.sheet_pages, pool=pool
        )
        worksheet_bench.print_report(result)
        reports_dir().mkdir(parents=True, exist_ok=True)
        (reports_dir() / "worksheets.json").write_text(json.dumps(result, indent=1) + "\n")
        return result
    if args.numbers:
        result = number_benchmark(Reader(model_path), args.numbers_per_condition, args.seed, pool)
        _print_numbers(result)
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


def number_benchmark(reader: Reader, per_condition: int, seed: int = 2024, pool=None) -> dict:
    """Whole-number exact-match accuracy on synthetic photos, per condition.

    The photos are made of MNIST test digits unless `pool` gives others.
    """
    from ml import synth

    rng = np.random.default_rng(seed)
    by_condition, correct_all, total_all, times = {}, 0, 0, []
    for condition in synth.CONDITIONS:
        correct = total = 0
        for _ in range(per_condition):
            sample = synth.make_sample(rng, condition, pool)
            result = reader.read(sample.image)
            times.append(result["elapsed_ms"])
            predicted = [n["number"] for n in result["numbers"]]
            correct += _matches(predicted, sample.labels)
            total += len(sample.labels)
        by_condition[condition] = {"accuracy": correct / total, "numbers": total}
        correct_all, total_all = correct_all + correct, total_all + total
    return {
        "overall": correct_all / total_all,
        "numbers": total_all,
        "by_condition": by_condition,
        "median_ms_per_photo": float(np.median(times)),
        "seed": seed,
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
    for condition, row in numbers["by_condition"].items():
        print(f"  {condition:16s} {row['accuracy']:.3f}  ({row['numbers']} numbers)")
    print(f"  {'overall':16s} {numbers['overall']:.3f}  ({numbers['numbers']} numbers)")


if __name__ == "__main__":
    main()
