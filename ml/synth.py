"""Synthetic teacher photos built from MNIST *test* digits, for evaluation only.

Never feed these to training (DEVELOPERS.md's training-data rule): they are
made from the test split so the benchmark measures digits the model has not
seen. Each sample mimics a phone photo of a handwritten number or worksheet:
dark ink (black, blue, red) on off-white paper, per-digit size and baseline
jitter, gaps from wide to overlapping, ruled lines, uneven light, rotation,
blur, sensor noise and JPEG compression.

    rng = np.random.default_rng(0)
    images, label = pick_digits(rng, 3)           # three test digits, e.g. "427"
    photo = render_number(images, rng)            # (H, W, 3) uint8 RGB
    sample = make_sample(rng, "worksheet")        # .image (JPEG bytes), .labels
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np

INKS = {"black": (35, 35, 45), "blue": (30, 55, 160), "red": (185, 35, 45)}


@dataclass(frozen=True)
class Style:
    ink: tuple = INKS["black"]
    paper: tuple = (245, 242, 235)
    gap: tuple = (0.05, 0.3)  # gap between digits of a number, in digit heights (negative: overlap)
    size_jitter: float = 0.12
    baseline_jitter: float = 0.06
    rules: bool = False
    gradient: float = 0.0  # darkest corner loses this fraction of the light
    angle: float = 0.0  # degrees
    blur: float = 0.0  # Gaussian sigma in pixels
    noise: float = 2.0  # Gaussian sigma in grey levels
    jpeg: int | None = 92
    stroke: float = 0.0  # <0 thinner pen, >0 thicker (in MNIST pixels)
    inverted: bool = False  # light writing on a dark board


CONDITIONS = (
    "clean",
    "wide_gaps",
    "touching",
    "blue_ink",
    "red_ink",
    "ruled",
    "gradient",
    "rotated",
    "blur_noise",
    "jpeg_low",
    "pen_width",
    "light_on_dark",
    "mixed",
    "worksheet",
)


def style_for(condition: str, rng: np.random.Generator) -> Style:
    """The clean style plus the one nuisance a condition is about (all of them for mixed/worksheet)."""
    base = Style(paper=paper_tone(rng), jpeg=int(rng.integers(85, 96)))
    nuisances = {
        "wide_gaps": {"gap": (0.3, 0.5)},
        "touching": {"gap": (-0.18, 0.0)},
        "blue_ink": {"ink": INKS["blue"]},
        "red_ink": {"ink": INKS["red"]},
        "ruled": {"rules": True},
        "gradient": {"gradient": float(rng.uniform(0.3, 0.6))},
        "rotated": {"angle": float(rng.uniform(-6, 6))},
        "blur_noise": {"blur": float(rng.uniform(0.6, 1.4)), "noise": float(rng.uniform(4, 10))},
        "jpeg_low": {"jpeg": int(rng.integers(55, 70))},
        "pen_width": {"stroke": float(rng.choice([-1.0, -0.6, 0.8, 1.5]))},
        "light_on_dark": {"inverted": True, "ink": (235, 235, 230), "paper": (40, 60, 50)},
    }
    if condition in ("mixed", "worksheet"):
        return _random_style(rng, base)
    if condition != "clean" and condition not in nuisances:
        raise ValueError(f"unknown condition {condition!r}; choose from {', '.join(CONDITIONS)}")
    return replace(base, **nuisances.get(condition, {}))


def _random_style(rng: np.random.Generator, base: Style) -> Style:
    return replace(
        base,
        ink=INKS[str(rng.choice(list(INKS)))],
        gap=(-0.15, 0.4),
        rules=bool(rng.random() < 0.5),
        gradient=float(rng.uniform(0, 0.5)),
        angle=float(rng.uniform(-6, 6)),
        blur=float(rng.uniform(0, 1.2)),
        noise=float(rng.uniform(1, 8)),
        jpeg=int(rng.integers(55, 96)),
        stroke=float(rng.uniform(-0.8, 1.2)),
    )


def paper_tone(rng: np.random.Generator) -> tuple:
    white = rng.uniform(225, 252)
    return (white, white - rng.uniform(0, 8), white - rng.uniform(2, 18))


# ---------------------------------------------------------------------- digits

_POOL: tuple[np.ndarray, np.ndarray] | None = None


def test_digits() -> tuple[np.ndarray, np.ndarray]:
    """MNIST's 10k *test* digits and labels (cached in the process)."""
    global _POOL
    if _POOL is None:
        from ml import data

        mnist = data.load()
        _POOL = (mnist.x_test, mnist.y_test)
    return _POOL


def pick_digits(rng: np.random.Generator, count: int, pool=None) -> tuple[list[np.ndarray], str]:
    """`count` random test digits (28x28 uint8, white on black) and their label string.

    `pool` = (images, labels) draws from other digits instead, e.g. training
    digits to tune the reader without looking at the test split.
    """
    x, y = pool if pool is not None else test_digits()
    index = rng.integers(0, len(x), size=count)
    # A leading zero is rare on worksheets; keep the label a plain number.
    if count > 1 and y[index[0]] == 0:
        nonzero = np.flatnonzero(y != 0)
        index[0] = nonzero[rng.integers(0, len(nonzero))]
    return [x[i] for i in index], "".join(str(int(y[i])) for i in index)


# ------------------------------------------------------------------- rendering


def render_number(
    digit_images, rng=None, style: Style | None = None, height: int | None = None
) -> np.ndarray:
    """A photo (H, W, 3 uint8 RGB) of one handwritten number made of the given digits."""
    rng = rng if rng is not None else np.random.default_rng()
    style = style or Style()
    height = height or int(rng.integers(26, 90))
    line, baseline = _ink_line(digit_images, rng, style, height)
    margin_x, margin_y = int(rng.uniform(0.5, 1.5) * height), int(rng.uniform(0.5, 1.0) * height)
    ink = np.pad(line, ((margin_y, margin_y), (margin_x, margin_x)))
    rules = ruled_lines(ink.shape, [margin_y + baseline], height, rng) if style.rules else None
    return photograph(ink, rules, style, rng)


def render_worksheet(numbers, rng=None, style: Style | None = None, height: int | None = None) -> np.ndarray:
    """A photo of several numbers written one per line. `numbers` is a list of digit-image lists."""
    rng = rng if rng is not None else np.random.default_rng()
    style = style or Style()
    height = height or int(rng.integers(26, 60))
    lines = [_ink_line(digits, rng, style, height) for digits in numbers]
    spacing = int(rng.uniform(1.7, 2.3) * height)
    width = max(line.shape[1] for line, _ in lines) + 4 * height
    page = np.zeros((spacing * len(lines) + 2 * height, width), np.float32)
    baselines = []
    for k, (line, baseline) in enumerate(lines):
        top = height + k * spacing + (spacing - line.shape[0]) // 2
        left = int(rng.uniform(0.5, 2.5) * height)
        h, w = line.shape
        page[top : top + h, left : left + w] = np.maximum(page[top : top + h, left : left + w], line)
        baselines.append(top + baseline)
    rules = ruled_lines(page.shape, baselines, height, rng) if style.rules else None
    return photograph(page, rules, style, rng)


def _ink_line(digit_images, rng, style: Style, height: int) -> tuple[np.ndarray, int]:
    """Lay digits side by side as an ink-alpha strip; returns (strip, baseline row)."""
    strip, baseline, _ = lay_out(digit_images, rng, style, height)
    return strip, baseline


def lay_out(digit_images, rng, style: Style, height: int) -> tuple[np.ndarray, int, list]:
    """Like `_ink_line`, and also where each digit went: a list of (top, left, glyph)."""
    glyphs = [_glyph(img, rng, style, height) for img in digit_images]
    pad = int(0.3 * height)
    strip_h = int(height * (1.4 + 2 * style.baseline_jitter)) + 2 * pad
    strip_w = sum(g.shape[1] for g in glyphs) + int(height * max(0.0, style.gap[1]) * len(glyphs)) + 2 * pad
    strip = np.zeros((strip_h, strip_w), np.float32)
    baseline = pad + int(height * 1.15)
    x = pad
    placed = []
    for k, glyph in enumerate(glyphs):
        if k:
            x = max(0, x + int(rng.uniform(*style.gap) * height))
        h, w = glyph.shape
        bottom = baseline + int(rng.normal(0, style.baseline_jitter) * height)
        top = int(np.clip(bottom - h, 0, strip_h - h))
        region = strip[top : top + h, x : x + w]
        glyph = glyph[: region.shape[0], : region.shape[1]]
        strip[top : top + h, x : x + w] = np.maximum(region, glyph)
        placed.append((top, x, glyph))
        x += w
    return strip[:, : x + pad], baseline, placed


def _glyph(image: np.ndarray, rng, style: Style, height: int) -> np.ndarray:
    digit = image.astype(np.float32) / 255.0
    rows = np.flatnonzero(digit.max(axis=1) > 0.1)
    cols = np.flatnonzero(digit.max(axis=0) > 0.1)
    digit = digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    target = height * (1 + rng.uniform(-style.size_jitter, style.size_jitter))
    scale = target / digit.shape[0]
    size = (max(1, round(digit.shape[1] * scale)), max(1, round(digit.shape[0] * scale)))
    glyph = cv2.resize(digit, size, interpolation=cv2.INTER_CUBIC)
    radius = int(round(abs(style.stroke) * scale / 2))
    if radius:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
        glyph = cv2.dilate(glyph, kernel) if style.stroke > 0 else cv2.erode(glyph, kernel)
    return np.clip(glyph, 0, 1)


def ruled_lines(shape, baselines, height: int, rng) -> np.ndarray:
    """Ruled lines through every baseline (and between them), light and thin."""
    rules = np.zeros(shape, np.float32)
    thickness = int(rng.integers(1, 3))
    strength = float(rng.uniform(0.35, 0.7))
    rows = set()
    for b in baselines:
        rows.update({b + int(rng.integers(-2, 4)), b - int(1.9 * height)})
    for row in rows:
        if 0 <= row < shape[0]:
            cv2.line(rules, (0, row), (shape[1] - 1, row), strength, thickness)
    return rules


def photograph(ink: np.ndarray, rules, style: Style, rng) -> np.ndarray:
    """An ink-alpha page (and optional rules) photographed in the given style: (H, W, 3) uint8."""
    h, w = ink.shape
    if style.angle:
        turn = cv2.getRotationMatrix2D((w / 2, h / 2), style.angle, 1.0)
        ink = cv2.warpAffine(ink, turn, (w, h), flags=cv2.INTER_LINEAR)
        if rules is not None:
            rules = cv2.warpAffine(rules, turn, (w, h), flags=cv2.INTER_LINEAR)
    paper = np.array(style.paper, np.float32)
    if style.inverted:
        image = paper + ink[..., None] * (np.array(style.ink, np.float32) - paper)
    else:
        image = paper * (1 - ink[..., None] * (1 - np.array(style.ink, np.float32) / 255.0))
    if rules is not None:
        tint = 1 - np.array((0.35, 0.2, 0.05), np.float32)  # pale blue rules
        image *= 1 - rules[..., None] * tint
    image *= _light(h, w, style.gradient, rng)[..., None]
    if style.blur:
        image = cv2.GaussianBlur(image, (0, 0), style.blur)
    image += rng.normal(0, style.noise, image.shape).astype(np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def _light(h: int, w: int, strength: float, rng) -> np.ndarray:
    if not strength:
        return np.ones((h, w), np.float32)
    theta = rng.uniform(0, 2 * np.pi)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = np.cos(theta) * xs / max(w, 1) + np.sin(theta) * ys / max(h, 1)
    ramp = (ramp - ramp.min()) / max(float(np.ptp(ramp)), 1e-6)
    return 1 - strength * ramp


def encode(image: np.ndarray, quality: int | None = 92) -> bytes:
    """JPEG bytes at the given quality (PNG when quality is None)."""
    bgr = cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image
    if quality is None:
        return cv2.imencode(".png", bgr)[1].tobytes()
    return cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])[1].tobytes()


# --------------------------------------------------------------------- samples


@dataclass
class Sample:
    condition: str
    image: bytes  # encoded as the style says (JPEG usually)
    labels: list[str]  # the numbers in reading order


def make_sample(rng: np.random.Generator, condition: str, pool=None) -> Sample:
    style = style_for(condition, rng)
    if condition == "worksheet":
        numbers = [pick_digits(rng, int(rng.integers(1, 7)), pool) for _ in range(int(rng.integers(3, 8)))]
        image = render_worksheet([digits for digits, _ in numbers], rng, style)
        labels = [label for _, label in numbers]
    else:
        digits, label = pick_digits(rng, int(rng.integers(1, 7)), pool)
        image = render_number(digits, rng, style)
        labels = [label]
    return Sample(condition, encode(image, style.jpeg), labels)
