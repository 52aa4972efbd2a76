"""Training crops cut by our own segmenter from numbers composed of MNIST *training* digits.

The digit classifier only ever saw single, well-cut digits, so it reads a
merged "48" confidently as "8" and the reader cannot tell a good cut from a
bad one. This module writes numbers whose digits touch or overlap, runs the
real segmentation on them (the same ink map, binarization, seams and
lattice the reader uses) and labels every candidate crop by which digits'
ink it holds:

* nearly all of one digit and little else: that digit (real cut artifacts,
  slivers of the neighbour, our own normalization);
* a fragment of a digit, or large parts of two: class 10, "not one digit";
* anything in between: dropped, it is neither.

Only the training split is used (DEVELOPERS.md's training-data rule): this
is augmentation computed from the 60k training digits.

    python -m ml.compose --lines 12000          # builds the cache train.py reads

The line model (ml.train_lines) learns from whole numbers made the same way:
`number_strip` photographs 1-6 training digits and cuts the number out with
the reader's own segmenter, and `load_strips` caches 60,000 of them. With `Hands`, a share
of those numbers is written in one of the allowed handwriting fonts instead (ml.fonts' training
renders): the line model then meets other hands than MNIST's writers.
"""

from __future__ import annotations

import argparse
import hashlib
import os
from dataclasses import dataclass, replace
from multiprocessing import get_context
from pathlib import Path

import cv2
import numpy as np

from ml import segment, signs, synth

REJECT = 10  # the class index of "not one digit"
# Overlapping digits cannot be cut cleanly, so a crop that holds most of one
# digit and a little of its neighbour still counts as that digit: the
# classifier must learn to read those too.
COVERED = 0.75  # a crop is digit k when it holds this much of k's ink ...
PURE = 0.8  # ... and this much of its own ink is k's
FRAGMENT = 0.55  # holding less than this much of any digit: a fragment
SECOND = 0.4  # holding this much of a second digit: a merge
PER_LINE = 4  # crops of each kind kept per line, so one long line does not dominate
HAND_RENDERS = 300  # renders per digit and font: the very ones ml.train's digit model learns from


@dataclass(frozen=True)
class Hands:
    """Strips written in handwriting fonts: each number, with probability `share`, in one font
    (`fonts`, ml.fonts.select names), all its digits that font's training renders."""

    fonts: str = "all"
    share: float = 0.35

    def recipe(self) -> str:
        from ml import fonts

        return f"hands-{[str(f.path) for f in fonts.select(self.fonts)]}-{self.share}-{HAND_RENDERS}-v1"


def style(rng: np.random.Generator) -> synth.Style:
    """A photo style, mostly touching or overlapping; never rotated (labels stay pixel-exact)."""
    gap = (-0.25, 0.0) if rng.random() < 0.65 else (-0.08, 0.3)
    return replace(
        synth.Style(paper=synth.paper_tone(rng)),
        ink=synth.INKS[str(rng.choice(list(synth.INKS)))],
        gap=gap,
        size_jitter=0.15,
        baseline_jitter=0.08,
        rules=bool(rng.random() < 0.3),
        gradient=float(rng.uniform(0, 0.5)),
        blur=float(rng.uniform(0, 1.2)),
        noise=float(rng.uniform(1, 8)),
        jpeg=int(rng.integers(55, 96)),
        stroke=float(rng.uniform(-0.8, 1.2)),
    )


def line_crops(rng: np.random.Generator, images: np.ndarray, labels: np.ndarray):
    """Crops (N, 28, 28) uint8 and labels (N,) from one composed number."""
    count = int(rng.integers(2, 5))
    index = rng.integers(0, len(images), size=count)
    look = style(rng)
    height = int(rng.integers(24, 80))
    strip, baseline, placed = synth.lay_out([images[i] for i in index], rng, look, height)
    page, my, mx = _page(strip, height)
    owner = _owner(page.shape, placed, my, mx)
    # Drawn even when unused, so the random stream (and the cached crops) stay as they were.
    rules = synth.ruled_lines(page.shape, [my + baseline], height, rng)
    photo = _snapshot(page, rules if look.rules else None, look, rng)
    return _label_crops(rng, photo, owner, labels[index])


def _page(strip: np.ndarray, height: int) -> tuple[np.ndarray, int, int]:
    """A laid-out number with paper around it, and the top and left margins."""
    my, mx = int(0.6 * height), int(0.8 * height)
    return np.pad(strip, ((my, my), (mx, mx))), my, mx


def _snapshot(page: np.ndarray, rules, look: synth.Style, rng) -> np.ndarray:
    """The page photographed in `look` and through its JPEG round trip: (H, W, 3) uint8 RGB."""
    photo = synth.photograph(page, rules, look, rng)
    photo = cv2.imdecode(np.frombuffer(synth.encode(photo, look.jpeg), np.uint8), cv2.IMREAD_COLOR)
    return photo[..., ::-1]


def _blobs(photo: np.ndarray) -> tuple[list, np.ndarray, object]:
    """The reader's segmentation up to blobs: (blobs, mask, affine or None)."""
    ink = segment.ink_map(photo)
    mask = segment.binarize(ink)
    mask, ink, affine = segment.remove_rules(mask, ink)
    return segment.find_blobs(mask, ink), mask, affine


def line_style(rng: np.random.Generator) -> synth.Style:
    """A photo style for whole-number strips: any gap, slight rotation (the label is a string)."""
    gap = [(-0.25, 0.0), (-0.08, 0.3), (0.05, 0.6)][int(rng.choice(3, p=[0.5, 0.3, 0.2]))]
    return replace(style(rng), gap=gap, angle=float(rng.uniform(-5, 5)) if rng.random() < 0.4 else 0.0)


def number_strip(rng: np.random.Generator, images: np.ndarray, labels: np.ndarray):
    """One number of 1-6 training digits, photographed and cut out by our own
    segmenter: (strip uint8 (32, W), label string), or None when nothing was found."""
    count = int(rng.choice(np.arange(1, 7), p=[0.08, 0.2, 0.2, 0.2, 0.16, 0.16]))
    index = rng.integers(0, len(images), size=count)
    look = line_style(rng)
    height = int(rng.integers(24, 80))
    strip, baseline, _ = synth.lay_out([images[i] for i in index], rng, look, height)
    page, my, _ = _page(strip, height)
    rules = synth.ruled_lines(page.shape, [my + baseline], height, rng) if look.rules else None
    blobs, _, _ = _blobs(_snapshot(page, rules, look, rng))
    if not blobs:
        return None
    line = max(segment.group_lines(blobs), key=lambda blobs: sum(b.w for b in blobs))
    return segment.number_strip(line)[0], "".join(str(int(labels[i])) for i in index)


def math_strip(rng: np.random.Generator, by_digit: list[np.ndarray], images: np.ndarray):
    """A number that may hold signs ("-12", "3.5", "0.25", "3/4"), pen-drawn between
    training digits, photographed and cut out the way the reader does it, small sign
    marks included (ml.signs.attach): (strip uint8 (32, W), label), or None."""
    label = signs.math_label(rng)
    tokens = [c if signs.is_sign(c) else images[rng.choice(by_digit[int(c)])] for c in label]
    look = line_style(rng)
    if "/" in label or "." in label:
        look = replace(look, gap=(max(look.gap[0], -0.05), max(look.gap[1], 0.1)))
    height = int(rng.integers(24, 80))
    strip, baseline = signs.lay_out(tokens, rng, look, height)
    page, my, _ = _page(strip, height)
    rules = synth.ruled_lines(page.shape, [my + baseline], height, rng) if look.rules else None
    photo = _snapshot(page, rules, look, rng)
    ink = segment.ink_map(photo)
    mask = segment.binarize(ink)
    mask, ink, _ = segment.remove_rules(mask, ink)
    blobs = segment.find_blobs(mask, ink)
    if not blobs:
        return None
    line = max(segment.group_lines(blobs), key=lambda blobs: sum(b.w for b in blobs))
    group = signs.with_marks(sorted(line, key=lambda b: b.x), mask, ink)
    return segment.number_strip(group)[0], label


def _owner(shape, placed, top_pad: int, left_pad: int) -> np.ndarray:
    """Which digit each pixel's ink belongs to (-1: paper)."""
    layers = np.zeros((len(placed), *shape), np.float32)
    for k, (top, left, glyph) in enumerate(placed):
        h, w = glyph.shape
        layers[k, top_pad + top : top_pad + top + h, left_pad + left : left_pad + left + w] = glyph
    owner = layers.argmax(axis=0)
    owner[layers.max(axis=0) < 0.05] = -1
    return owner


def _label_crops(rng, photo: np.ndarray, owner: np.ndarray, digits: np.ndarray):
    blobs, mask, affine = _blobs(photo)
    if affine is not None:
        blobs = []  # a straightened page no longer lines up with the ink owners
    if not blobs:
        return np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64)
    totals = np.bincount(owner[mask.astype(bool)] + 1, minlength=len(digits) + 1)[1:]
    kept = {"digit": [], "reject": []}
    for blob, ref_h in zip(blobs, segment.line_heights(blobs), strict=True):
        _, runs = segment.lattice(blob, ref_h)
        for crop in runs.values():
            if crop is None:
                continue
            x, y, w, h, soft, cmask = crop
            held = np.bincount(owner[y : y + h, x : x + w][cmask] + 1, minlength=len(digits) + 1)[1:]
            label = _label(held, totals, digits)
            if label is not None:
                kept["reject" if label == REJECT else "digit"].append((segment.to_mnist(soft, cmask), label))
    chosen = []
    for crops in kept.values():
        order = rng.permutation(len(crops))[:PER_LINE]
        chosen += [crops[i] for i in order]
    if not chosen:
        return np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64)
    return np.stack([c[0] for c in chosen]), np.array([c[1] for c in chosen], np.int64)


def _label(held: np.ndarray, totals: np.ndarray, digits: np.ndarray) -> int | None:
    own = held.sum()
    if own == 0:
        return REJECT
    coverage = held / np.maximum(totals, 1)
    order = np.argsort(-coverage)
    best, second = coverage[order[0]], (coverage[order[1]] if len(order) > 1 else 0.0)
    if best >= COVERED and held[order[0]] >= PURE * own:
        return int(digits[order[0]])
    if best < FRAGMENT or second >= SECOND:
        return REJECT
    return None


# ------------------------------------------------------------------- the cache


_MNIST = None
_HANDS = {}


def _work(task):
    global _MNIST
    seed, start, stop, kind, hands = task
    from ml import data

    cv2.setNumThreads(1)
    if _MNIST is None:  # once per worker process, not once per chunk
        _MNIST = data.load()
    mnist = _MNIST
    rng = np.random.default_rng(seed)
    if kind in ("strips", "math"):
        pools = [_pool(mnist.x_train, mnist.y_train, "")] + (_hand_pools(hands) if hands else [])
        made = (_strip(rng, kind, pools, hands) for _ in range(start, stop))
        return [m for m in made if m[0] is not None]
    xs, ys = [], []
    for _ in range(start, stop):
        x, y = line_crops(rng, mnist.x_train, mnist.y_train)
        xs.append(x)
        ys.append(y)
    return np.concatenate(xs), np.concatenate(ys)


def _strip(rng, kind: str, pools: list, hands: Hands | None):
    """One strip of `kind` (strip, label, hand: the font package, "" for MNIST's writers).
    Without hands no extra number is drawn, so MNIST-only strips stay as they were."""
    images, labels, hand, by_digit = pools[0]
    if hands is not None and rng.random() < hands.share:
        package = rng.choice(sorted({p[2] for p in pools[1:]}))  # each package alike, however many files
        files = [p for p in pools[1:] if p[2] == package]
        images, labels, hand, by_digit = files[int(rng.integers(len(files)))]
    made = number_strip(rng, images, labels) if kind == "strips" else math_strip(rng, by_digit, images)
    return (None, None, hand) if made is None else (*made, hand)


def _pool(images: np.ndarray, labels: np.ndarray, hand: str) -> tuple:
    """Digits to write numbers with: (images, labels, hand, the indices of each digit)."""
    return images, labels, hand, [np.flatnonzero(labels == d) for d in range(10)]


def _hand_pools(hands: Hands) -> list:
    """Per font file, a _pool of its training renders; loaded once per worker process."""
    from ml import fonts

    if hands not in _HANDS:
        chosen = fonts.select(hands.fonts)
        x, y, owner = fonts.cached_renders(chosen, HAND_RENDERS, fonts.TRAIN_SEED)
        _HANDS[hands] = [_pool(x[owner == k], y[owner == k], f.package) for k, f in enumerate(chosen)]
    return _HANDS[hands]


def _run(lines: int, seed: int, kind: str, processes: int | None = None, hands: Hands | None = None) -> list:
    processes = processes or (1 if lines < 1000 else min(4, os.cpu_count() or 1))
    chunk = max(1, -(-lines // (processes * 4)))
    tasks = [
        (seed * 100_003 + k, a, min(a + chunk, lines), kind, hands)
        for k, a in enumerate(range(0, lines, chunk))
    ]
    if hands is not None:
        _hand_pools(hands)  # renders built here once, not by every worker at the same time
    if processes == 1:
        parts = [_work(task) for task in tasks]
    else:
        # Spawned, not forked: a fork taken while TensorFlow's or OpenCV's
        # threads hold a lock deadlocks the child.
        with get_context("spawn").Pool(processes) as pool:
            parts = pool.map(_work, tasks)
    return parts


def build(lines: int, seed: int = 11, processes: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    parts = _run(lines, seed, "crops", processes)
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])


def build_strips(
    lines: int, seed: int = 13, processes: int | None = None, kind: str = "strips", hands: Hands | None = None
):
    """Number strips (N, 32, MAX_LINE_WIDTH) uint8 zero-padded on the right, their widths,
    their labels (N, signs.MAX_LABEL) int32 (indices into signs.VOCAB) padded with -1, and
    each one's hand (N,) str: the font package it is written in, "" for MNIST's writers.
    `kind` "math" makes numbers with signs (`math_strip`)."""
    strips = [s for part in _run(lines, seed, kind, processes, hands) for s in part]
    x = np.zeros((len(strips), segment.LINE_HEIGHT, segment.MAX_LINE_WIDTH), np.uint8)
    widths = np.array([s.shape[1] for s, _, _ in strips], np.int32)
    y = np.full((len(strips), signs.MAX_LABEL), -1, np.int32)
    for k, (strip, label, _) in enumerate(strips):
        x[k, :, : strip.shape[1]] = strip
        y[k, : len(label)] = [signs.VOCAB.index(c) for c in label]
    return x, widths, y, np.array([hand for _, _, hand in strips], dtype=str)


def cache_path(lines: int, seed: int) -> Path:
    from ml import data

    base = data.cache_path().parent
    recipe = f"{lines}-{seed}-{COVERED}-{PURE}-{FRAGMENT}-{SECOND}-{PER_LINE}"
    return base / f"composed-{hashlib.sha256(recipe.encode()).hexdigest()[:10]}.npz"


def load(lines: int, seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    """The composed crops for this recipe, built once and cached beside mnist.npz."""
    path = cache_path(lines, seed)
    if path.exists():
        with np.load(path) as saved:
            return saved["x"], saved["y"]
    x, y = build(lines, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part.npz")
    np.savez_compressed(partial, x=x, y=y)
    partial.replace(path)
    return x, y


def load_strips(lines: int, seed: int = 13, kind: str = "strips", hands: Hands | None = None):
    """The number strips for the line model (`build_strips`), built once and cached."""
    from ml import data

    recipe = f"strips-{lines}-{seed}-{segment.LINE_HEIGHT}-{segment.LINE_INK}-{segment.MAX_LINE_WIDTH}"
    if kind != "strips":
        recipe += f"-{kind}-{signs.VOCAB}-{signs.MAX_LABEL}-v1"
    if hands is not None:
        recipe += "-" + hands.recipe()
    path = data.cache_path().parent / f"strips-{hashlib.sha256(recipe.encode()).hexdigest()[:10]}.npz"
    if path.exists():
        with np.load(path) as saved:
            hand = saved["hand"] if "hand" in saved else np.full(len(saved["x"]), "")
            return saved["x"], saved["widths"], saved["y"], hand
    x, widths, y, hand = build_strips(lines, seed, kind=kind, hands=hands)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part.npz")
    np.savez_compressed(partial, x=x, widths=widths, y=y, hand=hand)
    partial.replace(path)
    return x, widths, y, hand


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    x, y = load(args.lines, args.seed)
    counts = np.bincount(y, minlength=11)
    print(f"{len(x)} crops from {args.lines} lines at {cache_path(args.lines, args.seed)}")
    print("per class:", " ".join(f"{k}:{c}" for k, c in enumerate(counts)))


if __name__ == "__main__":
    main()
