"""Printed worksheets and DigitSight answer sheets, filled in by hand and photographed (benchmark side).

Like ml.synth, the handwriting comes from MNIST *test* digits by default, so
these pages are for evaluation only; pass a pool of training digits for
anything that tunes a constant. The print uses ordinary print fonts (DejaVu,
Liberation, FreeFont), never a handwriting font.

    rng = np.random.default_rng(0)
    blank = make_template(rng, "beside")          # .image (gray), .regions
    filled = fill(rng, blank)                     # .image, .labels
    photo, homography = phone_photo(rng, filled.image)   # 12 MP RGB, template -> photo
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ml import synth

LAYOUTS = ("beside", "below", "underline", "two_columns")
# Drawn only when asked for by name (ml.evaluate --worksheet-layouts), so that the reported
# benchmark stays comparable: a table's last column, dotted or dashed lines with a printed unit
# after them, grey boxes with rounded corners, and a page scanned at 300 dpi.
EXTRA_LAYOUTS = ("table", "dotted_unit", "grey_rounded", "dpi300")
UNITS = ("cm", "kg", "m", "ml", "g", "min", "km")
FONT_FILES = (
    "dejavu/DejaVuSans.ttf",
    "dejavu/DejaVuSerif.ttf",
    "liberation/LiberationSans-Regular.ttf",
    "liberation/LiberationSerif-Regular.ttf",
    "freefont/FreeSans.ttf",
    "freefont/FreeSerif.ttf",
)
FONT_ROOT = Path("/usr/share/fonts/truetype")
PAGE = (1240, 1754)  # A4 at 150 dpi
OPERATORS = ("+", "-", "x", "×")


@dataclass
class Page:
    image: np.ndarray  # gray uint8
    regions: list[dict]  # [{"name", "box"}] in this image's pixels
    labels: list[str] | None = None  # the handwritten answer of each region ("" when blank)
    layout: str = ""


def fonts() -> list[Path]:
    found = [FONT_ROOT / name for name in FONT_FILES if (FONT_ROOT / name).exists()]
    if not found:
        raise FileNotFoundError("no print fonts found (install fonts-dejavu-core)")
    return found


def _font(rng, size: int):
    choices = fonts()
    return ImageFont.truetype(str(choices[int(rng.integers(len(choices)))]), size)


def make_template(rng: np.random.Generator, layout: str | None = None, questions: int | None = None) -> Page:
    """A blank printed worksheet: a title, a name line and 5-10 questions with answer areas.

    `layout` is one of LAYOUTS (drawn at random when None) or EXTRA_LAYOUTS (only when named).
    """
    layout = layout or LAYOUTS[int(rng.integers(len(LAYOUTS)))]
    if layout not in LAYOUTS + EXTRA_LAYOUTS:
        raise ValueError(f"unknown worksheet layout {layout!r}")
    if layout == "table":
        return _table_template(rng, questions)
    # A 300 dpi scan of the page: the same print, every length doubled.
    s, shape = (2, LAYOUTS[int(rng.integers(3))]) if layout == "dpi300" else (1, layout)
    questions = questions or int(rng.integers(5, 11))
    image = Image.new("L", (PAGE[0] * s, PAGE[1] * s), 255)
    draw = ImageDraw.Draw(image)
    size = int(rng.integers(26, 36))
    font = _font(rng, size * s)
    draw.text(
        (100 * s, 80 * s), f"Worksheet {int(rng.integers(1, 30))}: practice", font=_font(rng, 44 * s), fill=0
    )
    draw.text((100 * s, 160 * s), "Name:", font=font, fill=0)
    draw.line([(200 * s, (160 + size) * s), (700 * s, (160 + size) * s)], fill=0, width=2 * s)
    columns = 2 if shape == "two_columns" else 1
    rows = -(-questions // columns)
    top, bottom = 260, PAGE[1] - 120
    pitch = (bottom - top) / rows
    box_h = int(min(110, pitch * (0.45 if shape == "below" else 0.75)))
    style = _Style(layout, rng, s)
    regions = []
    for k in range(questions):
        column, row = divmod(k, rows)
        x0 = 100 + column * (PAGE[0] - 160) // columns
        y0 = int(top + row * pitch)
        text = f"{k + 1}. {_question(rng)}"
        draw.text((x0 * s, (y0 + 10) * s), text, font=font, fill=0)
        right = draw.textlength(text, font=font) / s + x0
        box = _answer_area(draw, rng, shape, x0, y0, right, size, box_h, columns, style)
        regions.append({"name": str(k + 1), "box": box})
    return Page(np.asarray(image).copy(), regions, layout=layout)


@dataclass
class _Style:
    """How an answer area is printed: the default layouts draw black, square, solid lines at 150 dpi."""

    layout: str
    rng: np.random.Generator
    s: int = 1  # pixels per 150 dpi pixel

    def __post_init__(self):
        self.grey = int(self.rng.integers(100, 171)) if self.layout == "grey_rounded" else 0
        self.radius = int(self.rng.integers(8, 21)) if self.layout == "grey_rounded" else 0
        self.unit = UNITS[int(self.rng.integers(len(UNITS)))] if self.layout == "dotted_unit" else ""


def _question(rng) -> str:
    a, b = int(rng.integers(2, 99)), int(rng.integers(2, 99))
    return f"{a} {OPERATORS[int(rng.integers(len(OPERATORS)))]} {b} ="


def _answer_area(draw, rng, layout, x0, y0, right, size, box_h, columns, style) -> list[int]:
    """The area drawn (in 150 dpi pixels, times style.s on the image); its box at the image's scale."""
    s = style.s
    width = int(rng.integers(180, 300)) if columns == 1 else int(rng.integers(150, 210))
    if layout == "below":
        x, y = x0 + 40, y0 + size + 26
    else:
        x, y = int(right) + 24, y0 + 10 + size // 2 - box_h // 2
    if style.layout == "dotted_unit":
        return _dotted_line(draw, rng, x, y0 + 10 + size + 6, width, box_h, size, style)
    if layout == "underline":
        line_y = y0 + 10 + size + 6
        thick = int(rng.integers(2, 4))
        draw.line([(x * s, line_y * s), ((x + width) * s, line_y * s)], fill=0, width=thick * s)
        height = int(box_h * 0.9)
        return [v * s for v in (x, line_y - height, width, height + 8)]
    box = [x * s, y * s, (x + width) * s, (y + box_h) * s]
    thick = int(rng.integers(2, 4)) * s
    if style.radius:
        draw.rounded_rectangle(box, radius=style.radius, outline=style.grey, width=thick)
    else:
        draw.rectangle(box, outline=style.grey, width=thick)
    if rng.random() < 0.3:  # a dotted writing line inside the box
        line_y = (y + int(0.8 * box_h)) * s
        for dot in range((x + 8) * s, (x + width - 8) * s, 12 * s):
            draw.line([(dot, line_y), (dot + 4 * s, line_y)], fill=max(90, style.grey), width=2 * s)
    return [v * s for v in (x, y, width, box_h)]


def _dotted_line(draw, rng, x, line_y, width, box_h, size, style) -> list[int]:
    """An answer line of dots or dashes, a printed unit after it ("........ cm")."""
    dashed = rng.random() < 0.5
    step = int(rng.integers(12, 19)) if dashed else int(rng.integers(6, 11))
    dash = int(rng.integers(6, step - 3)) if dashed else 0
    thick = int(rng.integers(2, 4))
    for at in range(x, x + width, step):
        if dash:
            draw.line([(at, line_y), (min(at + dash, x + width), line_y)], fill=0, width=thick)
        else:
            draw.ellipse([at - thick / 2, line_y - thick / 2, at + thick / 2, line_y + thick / 2], fill=0)
    draw.text((x + width + 10, line_y - size - 2), style.unit, font=_font(rng, size), fill=0)
    height = int(box_h * 0.9)
    return [x, line_y - height, width, height + 8]


def _table_template(rng: np.random.Generator, questions: int | None) -> Page:
    """The questions as rows of a printed table, each answer in the last column's cell (lines all round)."""
    questions = questions or int(rng.integers(5, 11))
    image = Image.new("L", PAGE, 255)
    draw = ImageDraw.Draw(image)
    size = int(rng.integers(26, 36))
    font = _font(rng, size)
    draw.text((100, 80), f"Worksheet {int(rng.integers(1, 30))}: table", font=_font(rng, 44), fill=0)
    draw.text((100, 160), "Name:", font=font, fill=0)
    draw.line([(200, 160 + size), (700, 160 + size)], fill=0, width=2)
    row_h = int(rng.integers(70, 111))
    answer_w = int(rng.integers(200, 321))
    xs = [100, 100 + int(2.5 * size), 0, 0]
    xs[2] = xs[1] + int(rng.integers(380, 560))
    xs[3] = xs[2] + answer_w
    header = int(1.4 * size) + 16
    ys = [260] + [260 + header + k * row_h for k in range(questions + 1)]
    thick, grey = int(rng.integers(1, 4)), int(rng.integers(0, 90))
    for x in xs:
        draw.line([(x, ys[0]), (x, ys[-1])], fill=grey, width=thick)
    for y in ys:
        draw.line([(xs[0], y), (xs[-1], y)], fill=grey, width=thick)
    for x, title in zip(xs[:3], ("No.", "Question", "Answer"), strict=True):
        draw.text((x + 8, ys[0] + 8), title, font=font, fill=0)
    regions = []
    for k in range(questions):
        y = ys[k + 1]
        middle = y + (row_h - size) // 2
        draw.text((xs[0] + 8, middle), f"{k + 1}", font=font, fill=0)
        draw.text((xs[1] + 8, middle), _question(rng), font=font, fill=0)
        regions.append({"name": str(k + 1), "box": [xs[2], y, answer_w, row_h]})
    return Page(np.asarray(image).copy(), regions, layout="table")


# --------------------------------------------------------------------- writing


def fill(rng: np.random.Generator, page: Page, pool=None, blank_share: float = 0.12) -> Page:
    """The page with a handwritten number (or nothing) in each area; labels in region order."""
    ink = np.zeros(page.image.shape, np.float32)
    labels = []
    for region in page.regions:
        if rng.random() < blank_share:
            labels.append("")
            if rng.random() < 0.3:
                _speck(rng, ink, region["box"])
            continue
        digits, label = synth.pick_digits(rng, int(rng.integers(1, 5)), pool)
        _write(rng, ink, region["box"], digits)
        labels.append(label)
    colour = np.array(synth.INKS[("black", "blue", "blue", "red")[int(rng.integers(4))]], np.float32)
    gray_ink = float(colour.mean()) / 255.0
    image = page.image.astype(np.float32) * (1 - ink * (1 - gray_ink))
    return Page(np.clip(image, 0, 255).astype(np.uint8), page.regions, labels, page.layout)


def _write(rng, ink: np.ndarray, box, digits) -> None:
    x, y, w, h = (int(v) for v in box)
    style = synth.Style(gap=(0.0, 0.25), stroke=float(rng.uniform(-0.5, 1.5)))
    height = int(h * rng.uniform(0.5, 0.72))
    strip, _, _ = synth.lay_out(digits, rng, style, height)
    rows, cols = np.flatnonzero(strip.max(axis=1) > 0.1), np.flatnonzero(strip.max(axis=0) > 0.1)
    strip = strip[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    if strip.shape[1] > w - 8:
        scale = (w - 8) / strip.shape[1]
        strip = cv2.resize(strip, (w - 8, max(1, int(strip.shape[0] * scale))), interpolation=cv2.INTER_AREA)
    sh, sw = strip.shape
    left = x + int(rng.uniform(0.05, 0.5) * max(1, w - sw))
    top = y + (h - sh) // 2 + int(rng.normal(0, 0.08) * h)
    if rng.random() < 0.2:  # touching or crossing the border / underline
        top = y + h - sh + int(rng.uniform(0.0, 0.18) * sh) if rng.random() < 0.6 else y - int(0.12 * sh)
    top = int(np.clip(top, 0, ink.shape[0] - sh))
    left = int(np.clip(left, 0, ink.shape[1] - sw))
    ink[top : top + sh, left : left + sw] = np.maximum(ink[top : top + sh, left : left + sw], strip)


def _speck(rng, ink: np.ndarray, box) -> None:
    x, y, w, h = (int(v) for v in box)
    cx, cy = x + int(rng.uniform(0.2, 0.8) * w), y + int(rng.uniform(0.3, 0.7) * h)
    cv2.circle(ink, (cx, cy), int(rng.integers(1, 3)), 0.9, -1)


# ------------------------------------------------------------------ photographs


def scan(rng: np.random.Generator, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A flatbed scan: small rotation, scale and shift, a little noise. Returns (gray, homography)."""
    h, w = image.shape
    # A scanner sees the whole sheet: at most a little smaller, never cropped.
    angle, scale = rng.uniform(-2, 2), rng.uniform(0.94, 0.99)
    turn = np.vstack([cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale), [0, 0, 1]])
    turn[:2, 2] += rng.uniform(-12, 12, 2)
    out = cv2.warpPerspective(image, turn, (w, h), flags=cv2.INTER_LINEAR, borderValue=250)
    out = out.astype(np.float32) * rng.uniform(0.92, 1.0) + rng.normal(0, 3, out.shape)
    return np.clip(out, 0, 255).astype(np.uint8), turn


def phone_photo(
    rng: np.random.Generator, image: np.ndarray, megapixels: float = 12.0
) -> tuple[np.ndarray, np.ndarray]:
    """A phone photo of the page on a table: RGB (about `megapixels`), and the homography page -> photo."""
    ph, pw = image.shape
    height = int(round(np.sqrt(megapixels * 1e6 * 4 / 3)))
    width = int(round(height * 3 / 4))
    cover = rng.uniform(0.7, 0.9)
    page_h = cover * height
    page_w = page_h * pw / ph
    centre = np.array([width / 2, height / 2]) + rng.uniform(-0.04, 0.04, 2) * (width, height)
    angle = np.deg2rad(rng.uniform(-10, 10))
    corners = np.array([[-page_w, -page_h], [page_w, -page_h], [page_w, page_h], [-page_w, page_h]]) / 2
    corners = corners * (1 + rng.uniform(-0.06, 0.06, (4, 1)))  # perspective
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    corners = corners @ turn.T + centre
    source = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    homography = cv2.getPerspectiveTransform(source, corners.astype(np.float32))
    table = _table(rng, (height, width))
    paper = np.array(synth.paper_tone(rng), np.float32)
    page = np.repeat(image[..., None].astype(np.float32) / 255.0, 3, axis=2) * paper
    warped = cv2.warpPerspective(page, homography, (width, height), flags=cv2.INTER_LINEAR)
    inside = cv2.warpPerspective(np.ones((ph, pw), np.float32), homography, (width, height))[..., None]
    photo = table * (1 - inside) + warped * inside
    photo *= _shadow(rng, height, width)[..., None]
    if rng.random() < 0.6:
        photo = cv2.GaussianBlur(photo, (0, 0), rng.uniform(0.8, 2.0))
    photo += rng.normal(0, rng.uniform(2, 6), (height, width, 1)).astype(np.float32)
    return np.clip(photo, 0, 255).astype(np.uint8), homography


def _table(rng, shape) -> np.ndarray:
    h, w = shape
    base = np.array([rng.uniform(60, 150), rng.uniform(50, 120), rng.uniform(30, 100)], np.float32)
    grain = cv2.resize(rng.normal(0, 12, (h // 40, w // 40)).astype(np.float32), (w, h))
    return np.clip(base[None, None, :] + grain[..., None], 0, 255)


def _shadow(rng, h: int, w: int) -> np.ndarray:
    light = synth._light(h, w, float(rng.uniform(0.1, 0.35)), rng)
    if rng.random() < 0.5:  # the phone's (or a hand's) soft shadow across part of the page
        small = np.ones((h // 16, w // 16), np.float32)
        cx, cy = rng.uniform(0, w // 16), rng.uniform(0, h // 16)
        cv2.circle(small, (int(cx), int(cy)), int(rng.uniform(0.2, 0.45) * w / 16), 0.6, -1)
        small = cv2.GaussianBlur(small, (0, 0), w / 16 * 0.06)
        light = light * cv2.resize(small, (w, h))
    return light


def encode(image: np.ndarray, rng: np.random.Generator | None = None) -> bytes:
    quality = int(rng.integers(70, 93)) if rng is not None else 90
    return synth.encode(image, quality)


# ---------------------------------------------------------------------- sheets


def sheet_page(rng: np.random.Generator, pool=None, questions: int | None = None) -> tuple[Page, str, str]:
    """A filled DigitSight sheet at 150 dpi: (page with answer labels, sheet id, student id)."""
    from ml import sheet

    questions = questions or int(rng.integers(5, 41))
    columns = 2 if questions > 20 or rng.random() < 0.4 else 1
    digits = int(rng.integers(4, 9))
    layout = sheet.SheetLayout(
        questions, digits, columns, ("a4", "letter")[int(rng.integers(2))], "b" + str(int(rng.integers(1e6)))
    )
    dpi = 150
    scale = dpi / 72
    blank = sheet.render(layout, dpi, title="Unit test")
    regions = layout.regions()
    student_boxes = [
        [v * scale for v in b] for r in regions if r["name"] == "student_id" for b in r["digits"]
    ]
    answers = [
        {"name": r["name"], "box": [v * scale for v in r["box"]]}
        for r in regions
        if r["name"] != "student_id"
    ]
    x, y = synth.test_digits() if pool is None else pool
    student = "".join(str(int(rng.integers(10))) for _ in student_boxes)
    ink = np.zeros(blank.shape, np.float32)
    for box, digit in zip(student_boxes, student, strict=True):
        _write(rng, ink, box, [x[int(rng.choice(np.flatnonzero(y == int(digit))))]])
    written = np.clip(blank.astype(np.float32) * (1 - 0.85 * ink), 0, 255).astype(np.uint8)
    return fill(rng, Page(written, answers), pool), layout.id, student
