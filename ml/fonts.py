"""Digits rendered from the allowed handwriting fonts, as extra training letterforms.

MNIST's writers are mostly American: its 1s are bars, its 7s uncrossed, its
4s closed. These fonts (Debian packages, and ONLY these; DEVELOPERS.md) add
continental letterforms. Each glyph is rendered large, distorted (elastic,
affine, stroke width, blur, noise) and normalised by the reader's own
`segment.to_mnist`, so a render looks like a crop the reader hands over.

    python -m ml.fonts                      # which fonts are found, kept or dropped, and why
    python -m ml.fonts --evaluate MODEL ... # accuracy on renders of chosen fonts (leave-fonts-out)

Fonts are found through the packages' own file lists (`dpkg -L`), never by
globbing the machine's fonts, and `load_font` refuses any file that is not in
an allowed package. Print fonts are accepted only where asked for (tests).
Training renders and evaluation renders use different seeds; the
leave-fonts-out runs of ml.train (`--fonts`) also keep whole packages apart.
No TensorFlow here.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ml import segment

HANDWRITING_PACKAGES = (
    "fonts-ecolier-court",
    "fonts-ecolier-lignes-court",
    "fonts-cabinsketch",
    "fonts-leckerli-one",
    "fonts-havana",
    "fonts-joscelyn",
    "fonts-yusei-magic",
    "fonts-kiloji",
)
# Printed, not handwritten: only for tests of the renderer (allow_print=True).
PRINT_PACKAGES = ("fonts-dejavu-core", "fonts-liberation", "fonts-freefont-ttf")
# Files whose digits do not look like written digits, found by looking at the renders
# and by the shipped model's reading of clean renders (`python -m ml.fonts`).
DROPPED = {
    # Seyes school lines are part of every glyph (a digit's ink is mostly ruled lines);
    # its digits are Ecolier-court's, which is kept. The shipped model reads 2 of 10.
    "Ecolier-lignes-court.ttf": "ruled school lines drawn into every glyph (same digits as Ecolier-court)",
}
FONT_SUFFIXES = (".ttf", ".otf")
GLYPH_SIZE = 96  # font size of a render
GLYPH_HEIGHT = 64  # a glyph's ink is scaled to this height, before to_mnist shrinks it to 20 px
TRAIN_SEED = 5  # training renders; evaluation uses EVAL_SEED, so the two never share a render
EVAL_SEED = 1005


class FontNotAllowed(ValueError):
    """The file is not in one of the allowed font packages."""


@dataclass(frozen=True)
class Font:
    package: str
    path: Path

    @property
    def name(self) -> str:
        return self.path.stem


def package_files(package: str) -> list[Path]:
    """The font files an installed Debian package holds; [] when it is not installed."""
    try:
        listed = subprocess.run(["dpkg", "-L", package], capture_output=True, text=True, check=False)
    except FileNotFoundError:  # not a Debian system: no fonts, and the callers skip
        return []
    if listed.returncode != 0:
        return []
    paths = [Path(line) for line in listed.stdout.split("\n") if line.lower().endswith(FONT_SUFFIXES)]
    return sorted(p for p in paths if p.is_file())


@functools.cache
def _allowed_files(allow_print: bool) -> dict[Path, str]:
    packages = HANDWRITING_PACKAGES + (PRINT_PACKAGES if allow_print else ())
    return {path.resolve(): pkg for pkg in packages for path in package_files(pkg)}


def check_allowed(path: Path | str, allow_print: bool = False) -> str:
    """The allowed package that installed `path`; FontNotAllowed for any other file."""
    package = _allowed_files(allow_print).get(Path(path).resolve())
    if package is None:
        kinds = "handwriting or print" if allow_print else "handwriting"
        raise FontNotAllowed(f"{path} is not a file of an allowed {kinds} font package (ml.fonts)")
    return package


def load_font(path: Path | str, allow_print: bool = False, size: int = GLYPH_SIZE):
    check_allowed(path, allow_print)
    return ImageFont.truetype(str(path), size)


def installed(packages=HANDWRITING_PACKAGES, keep_dropped: bool = False) -> list[Font]:
    """Font files of the allowed packages that are installed, minus DROPPED ones."""
    fonts = [Font(pkg, path) for pkg in packages for path in package_files(pkg)]
    return [f for f in fonts if keep_dropped or f.path.name not in DROPPED]


def select(names: str | None) -> list[Font]:
    """Fonts by comma-separated package or file names ("havana,kiloji"); "all" or None: every one."""
    fonts = installed()
    if not names or names == "all":
        return fonts
    wanted = {n.strip().removeprefix("fonts-") for n in names.split(",") if n.strip()}
    chosen = [f for f in fonts if f.package.removeprefix("fonts-") in wanted or f.name in wanted]
    known = {f.package.removeprefix("fonts-") for f in fonts} | {f.name for f in fonts}
    if wanted - known:
        raise FontNotAllowed(f"not an installed, kept allowed font: {sorted(wanted - known)}")
    return chosen


# --------------------------------------------------------------------------- rendering


def glyph(font, char: str) -> np.ndarray:
    """The glyph of `char` as float ink in [0, 1], white on black, cropped to its ink."""
    left, top, right, bottom = font.getbbox(char)
    pad = GLYPH_SIZE // 4
    canvas = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 0)
    ImageDraw.Draw(canvas).text((pad - left, pad - top), char, fill=255, font=font)
    ink = _crop(np.asarray(canvas, np.float32) / 255.0)
    # Fonts draw digits at different sizes: one height makes the pen edits below comparable.
    scale = GLYPH_HEIGHT / max(ink.shape[0], 1)
    size = (max(1, round(ink.shape[1] * scale)), GLYPH_HEIGHT)
    return cv2.resize(ink, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC).clip(0, 1)


def has_digits(font) -> bool:
    """Whether the font draws its own 0-9: a missing glyph renders as the .notdef box."""
    missing = glyph(font, "\ue000")
    digits = [glyph(font, str(d)) for d in range(10)]
    if any(not d.any() for d in digits):
        return False
    same = [d.shape == missing.shape and np.abs(d - missing).mean() < 0.01 for d in digits]
    return not any(same) and len({d.tobytes() for d in digits}) == 10


def _crop(ink: np.ndarray) -> np.ndarray:
    rows, cols = np.flatnonzero(ink.max(axis=1) > 0.1), np.flatnonzero(ink.max(axis=0) > 0.1)
    if not len(rows):
        return ink
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def render(ink: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
    """A glyph (or drawn strokes) -> one MNIST-shaped (28, 28) uint8 digit.

    `rng` None: the clean render. Otherwise the glyph is distorted first, at
    full size, where thinning and warping do not lose the stroke.
    """
    ink = np.pad(ink, GLYPH_SIZE // 4)
    if rng is not None:
        ink = _stroke(ink, rng)
        ink = _elastic(ink, rng)
        ink = _affine(ink, rng)
        if rng.random() < 0.4:
            ink = cv2.GaussianBlur(ink, (0, 0), float(rng.uniform(0.8, 2.5)))
    ink = _crop(ink)
    digit = segment.to_mnist(ink, ink > 0.4)
    if rng is not None and rng.random() < 0.3:
        noise = rng.normal(0, rng.uniform(4, 14), digit.shape)
        digit = np.clip(digit + noise, 0, 255).astype(np.uint8)
    return digit


def stroke_ratio(ink: np.ndarray) -> float:
    """to_mnist's stroke measure: 4 x mean distance to the background / box side."""
    binary = cv2.copyMakeBorder((ink > 0.5).astype(np.uint8), 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    inside = binary > 0
    if not inside.any():
        return 0.0
    return 4 * float(cv2.distanceTransform(binary, cv2.DIST_L2, 3)[inside].mean()) / max(ink.shape)


def _stroke(ink: np.ndarray, rng) -> np.ndarray:
    """Move the pen towards a random width around MNIST's (hair-lines and markers alike)."""
    ratio = stroke_ratio(_crop(ink))
    target = segment.MNIST_STROKE * rng.uniform(0.55, 1.5)
    if ratio <= 0:
        return ink
    # A long stroke's mean distance to the background is a quarter of its width, so the
    # ratio is about width / box side, and the pen's radius moves by half the change.
    radius = round((target - ratio) * max(_crop(ink).shape) / 2)
    if radius == 0:
        return ink
    size = 2 * abs(radius) + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    if radius > 0:
        return cv2.dilate(ink, kernel)
    thinner = cv2.erode(ink, kernel)
    # A font's hair-line parts (a 4's thin bar) must not vanish: then keep its own pen.
    return thinner if _pieces(thinner) <= _pieces(ink) else ink


def _pieces(ink: np.ndarray) -> int:
    return cv2.connectedComponents((ink > 0.4).astype(np.uint8))[0] - 1


def _elastic(ink: np.ndarray, rng) -> np.ndarray:
    """A smooth random displacement field (Simard et al.), a few percent of the glyph."""
    h, w = ink.shape
    sigma = 0.12 * max(h, w)
    alpha = rng.uniform(0.0, 0.06) * max(h, w)
    dx, dy = (cv2.GaussianBlur(rng.uniform(-1, 1, (h, w)).astype(np.float32), (0, 0), sigma) for _ in "xy")
    scale = alpha / max(float(np.abs(dx).max()), float(np.abs(dy).max()), 1e-6)
    grid_y, grid_x = np.mgrid[0:h, 0:w].astype(np.float32)
    return cv2.remap(ink, grid_x + dx * scale, grid_y + dy * scale, cv2.INTER_LINEAR, borderValue=0)


def _affine(ink: np.ndarray, rng) -> np.ndarray:
    h, w = ink.shape
    angle = np.deg2rad(rng.uniform(-12, 12))
    shear, aspect = rng.uniform(-0.3, 0.3), rng.uniform(0.8, 1.2)
    cos, sin = np.cos(angle), np.sin(angle)
    linear = np.array([[cos, -sin], [sin, cos]]) @ np.array([[aspect, shear], [0, 1 / aspect]])
    centre = np.array([w / 2, h / 2])
    matrix = np.hstack([linear, (centre - linear @ centre)[:, None]]).astype(np.float32)
    return cv2.warpAffine(ink, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=0)


# --------------------------------------------------------------------------- drawn variants
# Continental letterforms drawn as pen strokes (our own drawing, no font): a 1 with a
# long flag, a crossed 7, an open 4. Points are fractions of the glyph's width and height.

VARIANTS = {"flag1": 1, "crossed7": 7, "open4": 4}


def draw_variant(kind: str, rng: np.random.Generator) -> np.ndarray:
    """One drawn glyph of `kind` (VARIANTS) as float ink, GLYPH_HEIGHT tall."""
    h = GLYPH_HEIGHT
    w = int(h * rng.uniform(0.5, 0.8))
    canvas = np.zeros((h + 24, w + 24), np.float32)
    pen = int(rng.integers(3, 8))
    for stroke in _STROKES[kind](rng):
        points = [(12 + x * w, 12 + y * h) for x, y in stroke]
        curve = _bend(np.array(points, np.float64), rng)
        cv2.polylines(canvas, [np.round(curve * 4).astype(np.int32)], False, 1.0, pen, cv2.LINE_AA, 2)
    return _crop(canvas)


def _bend(points: np.ndarray, rng) -> np.ndarray:
    """Each straight segment becomes a gentle quadratic curve, as a hand draws it."""
    out = [points[:1]]
    t = np.linspace(0, 1, 12)[1:, None]
    for a, b in zip(points[:-1], points[1:], strict=True):
        normal = np.array([a[1] - b[1], b[0] - a[0]])
        control = (a + b) / 2 + normal * rng.uniform(-0.12, 0.12)
        out.append((1 - t) ** 2 * a + 2 * (1 - t) * t * control + t**2 * b)
    return np.concatenate(out)


def _flag1(rng) -> list:
    top = (rng.uniform(0.55, 0.8), 0.0)
    flag = (top[0] - rng.uniform(0.35, 0.6), rng.uniform(0.2, 0.45))  # long, well down the stem
    foot = (top[0] + rng.uniform(-0.2, 0.05), 1.0)
    strokes = [[flag, top, foot]]
    if rng.random() < 0.25:  # a base bar, as some schools teach it
        strokes.append([(foot[0] - 0.25, 1.0), (foot[0] + 0.25, 1.0)])
    return strokes


def _crossed7(rng) -> list:
    left, right = (0.0, rng.uniform(0.0, 0.12)), (1.0, rng.uniform(-0.02, 0.06))
    foot = (rng.uniform(0.2, 0.5), 1.0)
    bar = [left, right, foot]
    if rng.random() < 0.4:  # a small downward hook at the bar's start
        bar.insert(0, (0.0, rng.uniform(0.12, 0.22)))
    y = rng.uniform(0.45, 0.6)
    x = right[0] + (foot[0] - right[0]) * (y - right[1]) / (foot[1] - right[1])
    half = rng.uniform(0.22, 0.35)
    return [bar, [(x - half, y + rng.uniform(-0.04, 0.04)), (x + half, y + rng.uniform(-0.04, 0.04))]]


def _open4(rng) -> list:
    stem_x = rng.uniform(0.6, 0.8)
    bar_y = rng.uniform(0.55, 0.7)
    arm = [(rng.uniform(0.05, 0.35), 0.0), (0.0, bar_y), (1.0, bar_y + rng.uniform(-0.05, 0.02))]
    stem = [(stem_x + rng.uniform(-0.05, 0.05), rng.uniform(0.05, 0.3)), (stem_x - 0.05, 1.0)]
    return [arm, stem]  # the arm and the stem never meet at the top: the 4 stays open


_STROKES = {"flag1": _flag1, "crossed7": _crossed7, "open4": _open4}


def drawn(per_variant: int, seed: int):
    """`per_variant` distorted renders of each drawn variant: (x uint8, y, variant index)."""
    rng = np.random.default_rng([seed, 77])
    xs, ys, owners = [], [], []
    for k, (kind, digit) in enumerate(VARIANTS.items()):
        xs += [render(draw_variant(kind, rng), rng) for _ in range(per_variant)]
        ys += [digit] * per_variant
        owners += [k] * per_variant
    return np.stack(xs), np.array(ys, np.uint8), np.array(owners, np.int32)


# --------------------------------------------------------------------------- data sets


def renders(fonts: list[Font], per_digit: int, seed: int, allow_print: bool = False):
    """`per_digit` distorted renders of each digit of each font: (x uint8, y, font index)."""
    xs, ys, owners = [], [], []
    for k, font in enumerate(fonts):
        face = load_font(font.path, allow_print)
        # One stream per font, so adding a font never changes another font's renders.
        rng = np.random.default_rng([seed, int(hashlib.sha256(font.name.encode()).hexdigest()[:8], 16)])
        for digit in range(10):
            ink = glyph(face, str(digit))
            xs += [render(ink, rng) for _ in range(per_digit)]
            ys += [digit] * per_digit
            owners += [k] * per_digit
    if not xs:
        return np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.uint8), np.zeros(0, np.int32)
    return np.stack(xs), np.array(ys, np.uint8), np.array(owners, np.int32)


def cached_renders(fonts: list[Font], per_digit: int, seed: int = TRAIN_SEED):
    """`renders`, built once per recipe and cached beside mnist.npz (never committed)."""
    from ml import data

    recipe = "|".join([*(str(f.path) for f in fonts), str(per_digit), str(seed), "v1"])
    path = data.cache_path().parent / f"fonts-{hashlib.sha256(recipe.encode()).hexdigest()[:10]}.npz"
    if path.exists():
        with np.load(path) as saved:
            return saved["x"], saved["y"], saved["font"]
    x, y, owner = renders(fonts, per_digit, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part.npz")
    np.savez_compressed(partial, x=x, y=y, font=owner)
    partial.replace(path)
    return x, y, owner


# --------------------------------------------------------------------------- command line


def survey(classifier=None) -> list[dict]:
    """Every allowed font file: digits present, and how a model reads its clean renders."""
    rows = []
    for font in installed(keep_dropped=True):
        face = load_font(font.path)
        row = {"package": font.package, "file": font.path.name, "digits": has_digits(face)}
        if row["digits"] and classifier is not None:
            clean = np.stack([render(glyph(face, str(d)), None) for d in range(10)])
            read = classifier.predict(clean).argmax(axis=1)
            row["read"] = "".join(str(r) for r in read)
        row["dropped"] = DROPPED.get(font.path.name, "" if row["digits"] else "no digit glyphs")
        rows.append(row)
    return rows


def evaluate(model_paths: list[Path], fonts: list[Font], per_digit: int, seed: int = EVAL_SEED) -> dict:
    """Accuracy of each model (argmax over the ten digits) on the same renders, per font,
    and on the drawn variants (`per_digit` of each)."""
    from ml.litert import Classifier

    sets = {"fonts": renders(fonts, per_digit, seed), "drawn": drawn(per_digit, seed)}
    names = {"fonts": [f.name for f in fonts], "drawn": list(VARIANTS)}
    result = {}
    for model in model_paths:
        classifier, row = Classifier(model), {}
        for key, (x, y, owner) in sets.items():
            if not len(y):
                continue
            right = classifier.predict(x).argmax(axis=1) == y
            row[key] = {
                "accuracy": float(right.mean()),
                "renders": len(y),
                "by_source": {n: float(right[owner == k].mean()) for k, n in enumerate(names[key])},
                "by_digit": {str(d): float(right[y == d].mean()) for d in np.unique(y)},
            }
        result[str(model)] = row
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluate", type=Path, nargs="*", help="models to compare on the same renders")
    parser.add_argument("--fonts", default="all", help="comma-separated packages or files (default all)")
    parser.add_argument("--per-digit", type=int, default=200)
    parser.add_argument("--seed", type=int, default=EVAL_SEED)
    parser.add_argument("--json", type=Path, help="with --evaluate: also write the figures here")
    parser.add_argument("--sheet", type=Path, help="write a PNG of renders of every kept font")
    args = parser.parse_args(argv)
    if args.evaluate:
        result = evaluate(args.evaluate, select(args.fonts), args.per_digit, args.seed)
        for model, row in result.items():
            for key, part in row.items():
                sources = " ".join(f"{k}:{v:.3f}" for k, v in part["by_source"].items())
                digits = " ".join(f"{k}:{v:.3f}" for k, v in part["by_digit"].items())
                print(f"{model} {key}: {part['accuracy']:.4f} on {part['renders']} renders")
                print(f"  by source {sources}\n  by digit {digits}")
        if args.json:
            args.json.write_text(json.dumps(result, indent=1) + "\n")
        return
    if args.sheet:
        x, _, _ = renders(installed(), 8, args.seed)
        rows = x.reshape(-1, 80, 28, 28).transpose(0, 2, 1, 3).reshape(-1, 80 * 28)
        Image.fromarray(255 - rows).save(args.sheet)
    from ml.litert import Classifier

    for row in survey(Classifier()):
        state = f"dropped: {row['dropped']}" if row["dropped"] else "kept"
        print(f"{row['package']:28} {row['file']:28} read {row.get('read', '-'):10} {state}")


if __name__ == "__main__":
    main()
