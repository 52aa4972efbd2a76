"""The DigitSight answer sheet: one printable page that reads itself back.

    python -m ml.sheet --questions N [--id-digits K] [--columns 1|2]
        [--paper a4|letter] [--title TEXT] --out SHEET.pdf --layout LAYOUT.json

A sheet carries four ArUco markers in its corners, a QR code with its layout
id, a row of student-ID boxes (one digit per box) and N numbered answer boxes.
The layout id encodes the geometry (paper, questions, ID digits, columns), so
a photo of a filled sheet is read from its markers and QR code alone: the
same `SheetLayout` that drew the page tells the reader where everything is.

Every box is in PDF points from the page's top-left corner.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import re
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PAPERS = {"a4": (595.28, 841.89), "letter": (612.0, 792.0)}
MAX_QUESTIONS = 40
MAX_ROWS = 20  # more answer boxes in one column than this would be too small to write in
MARGIN = 30.0
MARKER = 42.0  # side of one ArUco marker, points
MARKER_IDS = (0, 1, 2, 3)  # top-left, top-right, bottom-right, bottom-left
QR_SIZE = 66.0
ID_BOX = (26.0, 32.0)  # one student-ID digit box: width, height
ANSWER_BOX = (150.0, 32.0)  # the largest answer box: width, height
DRAW_DPI = 300
ID_PATTERN = re.compile(r"^DS1-(a4|letter)-q(\d+)-i(\d+)-c([12])(?:-([A-Za-z0-9_.]{1,40}))?$")
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


class SheetError(ValueError):
    """Sheet parameters that cannot make a sheet, or a layout id that is not ours."""


@dataclass(frozen=True)
class SheetLayout:
    questions: int
    id_digits: int = 6
    columns: int = 1
    paper: str = "a4"
    tag: str = ""  # the caller's own id, carried in the QR code after the geometry

    def __post_init__(self):
        if self.paper not in PAPERS:
            raise SheetError(f"paper must be one of {', '.join(PAPERS)}, not {self.paper!r}")
        if not 1 <= self.questions <= MAX_QUESTIONS:
            raise SheetError(f"a sheet has 1 to {MAX_QUESTIONS} questions, not {self.questions}")
        if not 0 <= self.id_digits <= 12:
            raise SheetError(f"a student ID has 0 to 12 digits, not {self.id_digits}")
        if self.columns not in (1, 2):
            raise SheetError(f"a sheet has 1 or 2 columns, not {self.columns}")
        if math.ceil(self.questions / self.columns) > MAX_ROWS:
            raise SheetError(f"more than {MAX_ROWS} questions need two columns")
        if self.tag and not re.fullmatch(r"[A-Za-z0-9_.]{1,40}", self.tag):
            raise SheetError("a sheet id is 1 to 40 letters, digits, '_' or '.'")

    @property
    def id(self) -> str:
        base = f"DS1-{self.paper}-q{self.questions}-i{self.id_digits}-c{self.columns}"
        return f"{base}-{self.tag}" if self.tag else base

    @classmethod
    def from_id(cls, text: str) -> SheetLayout:
        match = ID_PATTERN.match(text or "")
        if not match:
            raise SheetError(f"this QR code is not a DigitSight sheet ({text[:60]!r})")
        paper, questions, digits, columns, tag = match.groups()
        return cls(int(questions), int(digits), int(columns), paper, tag or "")

    @property
    def size(self) -> tuple[float, float]:
        return PAPERS[self.paper]

    def markers(self) -> list[tuple[int, float, float]]:
        """(ArUco id, x, y) of each marker's top-left corner; each is MARKER points square."""
        w, h = self.size
        far_x, far_y = w - MARGIN - MARKER, h - MARGIN - MARKER
        corners = [(MARGIN, MARGIN), (far_x, MARGIN), (far_x, far_y), (MARGIN, far_y)]
        return [(marker, x, y) for marker, (x, y) in zip(MARKER_IDS, corners, strict=True)]

    def qr_box(self) -> list[float]:
        w, _ = self.size
        return [w - MARGIN - MARKER - 14 - QR_SIZE, MARGIN, QR_SIZE, QR_SIZE]

    def id_digit_boxes(self) -> list[list[float]]:
        x0, y0 = MARGIN + 80, MARGIN + MARKER + 58
        return [[x0 + k * (ID_BOX[0] + 4), y0, *ID_BOX] for k in range(self.id_digits)]

    def answer_boxes(self) -> list[tuple[str, list[float]]]:
        w, h = self.size
        top = MARGIN + MARKER + 58 + (ID_BOX[1] + 34 if self.id_digits else 0)
        bottom = h - MARGIN - MARKER - 12
        rows = math.ceil(self.questions / self.columns)
        pitch = min(52.0, (bottom - top) / rows)
        box_h = min(ANSWER_BOX[1], pitch - 8)
        column_w = (w - 2 * MARGIN) / self.columns
        box_w = min(ANSWER_BOX[0] + (60 if self.columns == 1 else 0), column_w - 90)
        boxes = []
        for k in range(self.questions):
            column, row = divmod(k, rows)
            x = MARGIN + column * column_w + 60
            y = top + row * pitch + (pitch - box_h) / 2
            boxes.append((str(k + 1), [x, y, box_w, box_h]))
        return boxes

    def regions(self) -> list[dict]:
        regions = []
        digits = self.id_digit_boxes()
        if digits:
            x0, y0 = digits[0][:2]
            x1 = digits[-1][0] + digits[-1][2]
            regions.append({"name": "student_id", "box": [x0, y0, x1 - x0, ID_BOX[1]], "digits": digits})
        regions += [{"name": name, "box": box} for name, box in self.answer_boxes()]
        return [_rounded(region) for region in regions]

    def to_dict(self) -> dict:
        return {"paper": list(self.size), "id": self.id, "regions": self.regions()}


def _rounded(region: dict) -> dict:
    out = {"name": region["name"], "box": [round(v, 2) for v in region["box"]]}
    if "digits" in region:
        out["digits"] = [[round(v, 2) for v in box] for box in region["digits"]]
    return out


# -------------------------------------------------------------------- drawing


def render(layout: SheetLayout, dpi: float = DRAW_DPI, title: str = "") -> np.ndarray:
    """The blank sheet as a gray uint8 image at `dpi` (also the reader's template)."""
    from PIL import Image, ImageDraw

    scale = dpi / 72.0
    w, h = layout.size
    image = Image.new("L", (round(w * scale), round(h * scale)), 255)
    draw = ImageDraw.Draw(image)
    for marker, x, y in layout.markers():
        _paste(image, _aruco(marker, round(MARKER * scale)), x * scale, y * scale)
    _paste(image, _qr(layout.id, round(QR_SIZE * scale)), *(v * scale for v in layout.qr_box()[:2]))
    heading = _font(FONT_BOLD, 15 * scale)
    draw.text(((MARGIN + MARKER + 14) * scale, (MARGIN + 4) * scale), title[:60], font=heading, fill=0)
    small = _font(FONT, 10 * scale)
    draw.text(((MARGIN + MARKER + 14) * scale, (MARGIN + 26) * scale), "Name:", font=small, fill=0)
    line_y = (MARGIN + 38) * scale
    draw.line([((MARGIN + 92) * scale, line_y), ((layout.qr_box()[0] - 16) * scale, line_y)], 0, round(scale))
    boxes = layout.id_digit_boxes()
    if boxes:
        draw.text((MARGIN * scale, (boxes[0][1] + 9) * scale), "Student ID", font=small, fill=0)
    for box in boxes:
        _box(draw, box, scale)
    label = _font(FONT, 12 * scale)
    for name, box in layout.answer_boxes():
        text = f"{name}."
        right = (box[0] - 8) * scale
        draw.text((right, (box[1] + box[3] / 2) * scale), text, font=label, fill=0, anchor="rm")
        _box(draw, box, scale)
    return np.asarray(image)


def render_boxes(layout: SheetLayout, dpi: float) -> np.ndarray:
    """Only the sheet's boxes, drawn exactly as `render` draws them: the print a box's reading
    window holds (the number beside it, the markers, the QR code and the title lie outside
    every window), at a fraction of the cost of the whole page."""
    from PIL import Image, ImageDraw

    scale = dpi / 72.0
    w, h = layout.size
    image = Image.new("L", (round(w * scale), round(h * scale)), 255)
    draw = ImageDraw.Draw(image)
    for box in layout.id_digit_boxes() + [box for _, box in layout.answer_boxes()]:
        _box(draw, box, scale)
    return np.asarray(image)


def _box(draw, box, scale: float) -> None:
    x, y, w, h = (v * scale for v in box)
    draw.rectangle([x, y, x + w, y + h], outline=0, width=max(1, round(1.2 * scale)))


def _paste(image, array: np.ndarray, x: float, y: float) -> None:
    from PIL import Image

    image.paste(Image.fromarray(array), (round(x), round(y)))


def _aruco(marker: int, side: int) -> np.ndarray:
    import cv2

    dictionary = cv2.aruco.getPredefinedDictionary(cv2.aruco.DICT_4X4_50)
    return cv2.aruco.generateImageMarker(dictionary, marker, side)


def _qr(text: str, side: int) -> np.ndarray:
    import cv2
    import segno

    matrix = np.array(segno.make_qr(text, error="m").matrix, dtype=bool)
    quiet = 2
    grid = np.pad(~matrix, quiet, constant_values=True).astype(np.uint8) * 255
    return cv2.resize(grid, (side, side), interpolation=cv2.INTER_NEAREST)


def _font(path: str, size: float):
    from PIL import ImageFont

    try:
        return ImageFont.truetype(path, round(size))
    except OSError:  # no DejaVu installed: Pillow's own scalable font still labels the boxes
        return ImageFont.load_default(round(size))


def build_sheet(
    questions: int,
    id_digits: int = 6,
    columns: int = 1,
    paper: str = "a4",
    title: str = "",
    sheet_id: str | None = None,
) -> tuple[bytes, dict]:
    """(PDF bytes, layout dict) for one answer sheet. Raises SheetError on bad parameters."""
    from PIL import Image

    layout = SheetLayout(questions, id_digits, columns, paper, sheet_id or uuid.uuid4().hex[:8])
    page = Image.fromarray(render(layout, DRAW_DPI, title)).convert("1", dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    page.save(buffer, "PDF", resolution=DRAW_DPI, title=title or "DigitSight answer sheet")
    return buffer.getvalue(), layout.to_dict()


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m ml.sheet", description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, required=True)
    parser.add_argument("--id-digits", type=int, default=6)
    parser.add_argument("--columns", type=int, default=1, choices=(1, 2))
    parser.add_argument("--paper", default="a4", choices=sorted(PAPERS))
    parser.add_argument("--title", default="")
    parser.add_argument("--id", dest="sheet_id", default=None, help="the sheet's own id (default: random)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--layout", type=Path, required=True)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        pdf, layout = build_sheet(
            args.questions, args.id_digits, args.columns, args.paper, args.title, args.sheet_id
        )
    except SheetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    args.out.write_bytes(pdf)
    args.layout.write_text(json.dumps(layout, indent=1))
    print(f"wrote {args.out} and {args.layout} (sheet {layout['id']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
