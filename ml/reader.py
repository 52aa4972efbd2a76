"""Read handwritten numbers from a photo: wires decoding (ml.load), segmentation and the models (ml.litert).

Nothing here imports TensorFlow: workers and the CLI only need NumPy,
OpenCV, Pillow and LiteRT, which keeps a cold start well under a second.

    reader = get_reader()            # once per process (Celery: after fork)
    result = reader.read(path_or_bytes)

A digit's confidence is the model's probability for it, which excludes the
share it gives to "not one digit" (a bad cut or a merged pair reads as
doubtful, not as a confident wrong digit).

A number's confidence is the *product* of its digits' confidences: the
probability that every digit is right if the digits' errors are independent,
so a long number with one doubtful digit is reported as doubtful.
"""

from __future__ import annotations

import json
import math
import threading
import time
from pathlib import Path

import numpy as np

from ml import combine, lattice
from ml.litert import Classifier, LineReader
from ml.load import MIN_WORK_SIDE, load_image

LINE_MARGIN = 1.0  # the line model's reading wins when this many times as confident as the cuts'
LINE_SURE = 0.98  # a digit the line model reads this surely (one per blob) is not cut nor re-read
SKIP = "skip"  # a number read as part of the one before it
DOUBT = "doubt"  # a number the sign model reads with an unsure sign: read as before, flagged
DISAGREEMENT = 0.5  # the most a digit is trusted when the line model and the cuts read its number differently
# ... unless the reading that wins reads every digit at least this surely: on tuning photos
# (training digits) such readings were right 68 times in 69: capping them flagged more than
# half of the correct numbers the two models disagree on (most of them touching digits).
DISAGREEMENT_SURE = 0.99
# Where both models' evidence is weighed (ml.combine), the winner also needs this margin (in
# log-odds) to go unflagged: on tuning photos, of 373 such disagreements, a margin of 0 left 5
# wrong readings unflagged and 4 left 1, for 25 more right readings flagged (of 304).
JOINT_SURE = 4.0


# -------------------------------------------------------------------- reading


class Reader:
    """Reads every number on a photo. Create once per process and reuse."""

    def __init__(self, model_path=None, review_threshold: float = 0.9, max_pixels: int = 40_000_000):
        self.classifier = Classifier(model_path)
        lines = self.classifier.path.parent / "lines.tflite"
        # The line model is optional: a digit model alone still reads every photo.
        self.line_reader = LineReader(lines) if lines.exists() else None
        # Signs are read by a second line model (ml.signs) when one is shipped: the first
        # one keeps reading plain integers exactly as before.
        math = self.classifier.path.parent / "lines_math.tflite"
        self.sign_reader = LineReader(math) if math.exists() else None
        if self.sign_reader is None and self.line_reader is not None and self.line_reader.reads_signs:
            self.sign_reader = self.line_reader
        self.review_threshold = review_threshold
        self.max_pixels = max_pixels
        self.model_version = _model_version(self.classifier.path)
        if self.line_reader is not None:
            self.model_version += "+lines-" + _model_version(lines, "lines_card.json")
        if self.sign_reader is not None and self.sign_reader is not self.line_reader:
            self.model_version += "+signs-" + _model_version(math, "lines_math_card.json")

    def read(self, source) -> dict:
        started = time.perf_counter()
        array, (width, height) = load_image(source, self.max_pixels)
        numbers = self._page_numbers(array, width, height)
        needs_review = any(d["confidence"] < self.review_threshold for n in numbers for d in n["digits"])
        return {
            "numbers": numbers,
            "needs_review": needs_review,
            "elapsed_ms": round((time.perf_counter() - started) * 1000, 2),
            "width": width,
            "height": height,
        }

    def _page_numbers(self, array: np.ndarray, width: int, height: int) -> list[dict]:
        """A page photographed lying on a table is flattened first; boxes stay in the photo's pixels.

        Only a page that clearly stands out from its background is (ml.align.flatten):
        any other photo is read exactly as before.
        """
        from ml import align

        found = align.flatten(array)
        if found is None:
            return self._numbers(array, width, height)
        flat, matrix = found
        numbers = self._numbers(flat, flat.shape[1], flat.shape[0])
        back = np.diag([width / array.shape[1], height / array.shape[0], 1.0]) @ np.linalg.inv(matrix)
        for item in [n for number in numbers for n in (number, *number["digits"])]:
            x, y, w, h = align.map_box(item["box"], back)
            x0, y0 = min(max(0, x), width - 1), min(max(0, y), height - 1)
            item["box"] = [x0, y0, max(1, min(width, x + w) - x0), max(1, min(height, y + h) - y0)]
        return numbers

    def _numbers(self, array: np.ndarray, width: int, height: int) -> list[dict]:
        from ml import segment, skew

        ink = segment.ink_map(array)
        mask = segment.binarize(ink)
        ink, mask = segment.rescale(ink, mask, MIN_WORK_SIDE)
        mask, ink, affine = segment.remove_rules(mask, ink)
        mask, ink, affine, blobs = skew.straighten(mask, ink, affine, segment.find_blobs(mask, ink))
        if not blobs:
            return []
        to_original = _box_mapper(affine, width / ink.shape[1], height / ink.shape[0], width, height)
        groups = _groups(blobs)
        read = self._read_groups(groups, [(mask, ink)] * len(groups), _heights(blobs))
        numbers = [
            (line_no, digits) for (line_no, _), (digits, _) in zip(groups, read, strict=True) if digits
        ]
        lines = {line_no: k for k, line_no in enumerate(sorted({n[0] for n in numbers}))}
        return [_number(digits, lines[line_no], to_original) for line_no, digits in numbers]

    def read_blob_sets(self, areas: list[tuple]) -> list[list[dict]]:
        """Read several crops' blobs (ml.segment.find_blobs) with one batched call per model.

        `areas`: per crop (blobs, mask, ink), the mask and ink its blobs were found in
        (where a sign's small marks are looked for). For each, its numbers in reading
        order: {"number", "confidence", "digits", "agreed"}, each digit {"digit",
        "confidence", "box"} in that crop's pixels. Used by ml.worksheet to read every
        answer area of a page at once; read exactly as a photo's numbers are.
        """
        groups, pages, heights, owner = [], [], {}, []
        for k, (blobs, mask, ink) in enumerate(areas):
            if not blobs:
                continue
            for line_no, group in _groups(blobs):
                groups.append(((k, line_no), group))  # lines of different crops never join
                pages.append((mask, ink))
                owner.append(k)
            heights.update(_heights(blobs))
        found = [[] for _ in areas]
        # Answer areas weigh a disagreement as before (the more confident reading wins): the joint
        # rule, chosen on photos, read 2-5 more answers wrong (flagged) on worksheet pages.
        read = self._read_groups(groups, pages, heights, joint=False)
        for k, (digits, agreed) in zip(owner, read, strict=True):
            if digits:
                found[k].append(
                    {
                        "number": "".join(str(c["digit"]) for c in digits),
                        "confidence": float(np.prod([c["confidence"] for c in digits])),
                        "digits": digits,
                        "agreed": agreed,  # the line model and the cut digits read the same
                    }
                )
        return found

    def _read_groups(self, groups: list[tuple], pages: list[tuple], heights: dict, joint=True) -> list[tuple]:
        """Every number (line key, blobs left to right) read with one batched call per model:
        per number (its digit dicts, whether the line model and the cuts agreed). `pages[k]`
        is the (mask, ink) the number's blobs were found in, where sign marks are looked for;
        `heights` maps id(blob) to its line's digit height; `joint`: disagreements are weighed by
        both models (ml.combine). A number read with the one before it, across a decimal point,
        has no digits."""
        made = {}  # each number's strip, made once: the sign model reads most in the line model's strip
        readings = self._line_readings([group for _, group in groups], made)
        # A number the line model reads surely, one digit per blob, needs no cuts
        # and no digit classifier: the common clean case costs one batched call.
        sure = [_sure(reading, group) for (_, group), reading in zip(groups, readings, strict=True)]
        sure = self._confirm_digits([g for _, g in groups], readings, sure, every=not joint)
        signed = self._sign_readings(groups, pages, made)
        unsure = [
            b
            for (_, group), ok, sign in zip(groups, sure, signed, strict=True)
            if not ok and sign in (None, DOUBT)
            for b in group
        ]
        chosen = self._cut_readings(unsure, [heights[id(b)] for b in unsure])
        read = []
        for (_, group), reading, ok, sign in zip(groups, readings, sure, signed, strict=True):
            agreed = True
            if sign is SKIP:
                digits = []  # read with the number before it, across a decimal point
            elif sign is not None and sign is not DOUBT:
                digits = _signed_digits(*sign)
            elif ok:
                digits = [_blob_digit(b, d, p) for b, (d, p, _) in zip(group, reading[1], strict=True)]
            else:
                digits = sorted((c for b in group for c in chosen[id(b)][0]), key=lambda c: c["box"][0])
                agreed = reading is None or reading[0] == "".join(str(c["digit"]) for c in digits)
                if agreed and reading is not None:  # how surely the line model read the same digits
                    digits = [{**c, "line": p} for c, (_, p, _) in zip(digits, reading[1], strict=True)]
                plans = [chosen[id(b)][1] for b in group] if joint else None
                digits = _reconcile(digits, reading, group, plans)
            if sign is DOUBT or _leading_zero(digits):
                digits = [{**c, "confidence": min(c["confidence"], DISAGREEMENT)} for c in digits]
            read.append((digits, agreed))
        return read

    def _sign_readings(self, groups, pages, made=None) -> list:
        """(blobs with their sign marks, reading) for each number the sign model reads with a
        plausible sign (ml.signs.plausible), else None; one batched call for the page. Two
        numbers of a line with a decimal point between them are tried as one: the second
        one's entry is then SKIP. `pages[k]` is number k's (mask, ink)."""
        from ml import segment, signs

        if self.sign_reader is None:
            return [None] * len(groups)
        candidates = [
            [k, k + 1]
            for k in range(len(groups) - 1)
            if groups[k][0] == groups[k + 1][0]
            and signs.point_between(groups[k][1], groups[k + 1][1], *pages[k])
        ] + [[k] for k in range(len(groups))]
        marked = [
            signs.with_marks(sorted((b for k in ks for b in groups[k][1]), key=lambda b: b.x), *pages[ks[0]])
            for ks in candidates
        ]
        strips = [segment.cached_strip(full, made) for full in marked]
        read = self.sign_reader.read([strip for strip, _ in strips])
        signed = [None] * len(groups)
        for ks, full, (_, scale), (text, found) in zip(candidates, marked, strips, read, strict=True):
            joined = len(ks) > 1
            if not joined and signed[ks[0]] is None and signs.plausible(found, sure=False):
                signed[ks[0]] = DOUBT  # may hold a sign: read as before, but flagged
            if any(signed[k] not in (None, DOUBT) for k in ks):
                continue
            if not signs.plausible(found, slash=signs.SLASH_DOUBT) or (joined and "." not in text):
                continue
            if not signs.plausible(found):  # a bar read not quite surely: the fraction, flagged
                found = [(c, min(p, DISAGREEMENT) if c == "/" else p, col) for c, p, col in found]
            signed[ks[0]] = (full, (text, found, scale))
            if joined:
                signed[ks[1]] = SKIP
        return signed

    def _line_readings(self, groups: list[list], made=None) -> list:
        """Each number read whole by the line model, in one call: (text, found, scale) or None."""
        from ml import segment

        if self.line_reader is None:
            return [None] * len(groups)
        strips = [segment.cached_strip(group, made) for group in groups]
        readings = self.line_reader.read([strip for strip, _ in strips], frames=True)
        return [
            (text, found, scale, rows)
            for (_, scale), (text, found, rows) in zip(strips, readings, strict=True)
        ]

    def _confirm_digits(self, groups: list[list], readings: list, sure: list[bool], every: bool) -> list:
        """A lone digit (with `every`, for answer areas: each digit) the line model reads surely is read
        by the classifier too, in one batched call: the line model can be surely wrong on digits unlike
        its strips (a raw 28x28 digit; most silent answer misreads). Where they differ it is cut and read."""
        from ml import segment

        checked = [
            k
            for k, ok in enumerate(sure)
            if ok and (every or len(groups[k]) == 1) and readings[k][0].isdigit()
        ]
        crops = {k: [lattice.digit_crop(segment.whole(b)) for b in groups[k]] for k in checked}
        self._classify([c for k in checked for c in crops[k] if c is not None])
        ok = list(sure)
        for k in checked:
            text = readings[k][0]
            ok[k] = all(c is None or str(c["digit"]) == d for c, d in zip(crops[k], text, strict=True))
        return ok

    def _cut_readings(self, blobs: list, heights: list[float]) -> dict[int, tuple[list[dict], tuple]]:
        """{id(blob): (its digit crops, its lattice (severed, runs, ref_h, cut cost))}: each blob
        cut and read by the digit classifier."""
        plans = self._plan(blobs, heights)
        if not any(crop is not None for _, runs in plans.values() for crop in runs.values()):
            return {id(blob): ([], ([0.0], {}, heights[k], lattice.CUT_COST)) for k, blob in enumerate(blobs)}
        return {
            id(blob): (lattice.best(*plans[k], heights[k]), (*plans[k], heights[k], lattice.CUT_COST))
            for k, blob in enumerate(blobs)
        }

    def _plan(self, blobs, heights: list[float]) -> dict[int, tuple[list[float], dict]]:
        """Every blob's segmentation lattice, {(i, j): classified digit crop}, for the runs between its cuts.

        Each blob is first read whole. One that reads well enough whole
        (lattice.SURE_WHOLE) keeps that reading: no split into two or more digits
        could beat it, so its cuts are never proposed nor classified.

        The other blobs' runs are read in two rounds: first the runs of each
        blob's most promising segmentation, then only the runs that could
        still be part of a better one (lattice.hopeless). A run left out can never
        be on the path lattice.best picks, so the reading is the same as when every
        run is read (the classifier reads a crop the same in any batch).
        """
        from ml import segment

        wholes = [lattice.digit_crop(segment.whole(blob)) for blob in blobs]
        self._classify([whole for whole in wholes if whole is not None])
        sure = [
            w is not None and lattice.run_score(w, heights[k]) > lattice.SURE_WHOLE
            for k, w in enumerate(wholes)
        ]
        unsure = [k for k, ok in enumerate(sure) if not ok]  # cut: their seams are found together
        found = segment.lattices([blobs[k] for k in unsure], [heights[k] for k in unsure])
        cuts = dict(zip(unsure, found, strict=True))
        plans = {
            k: ([0.0, 0.0], {(0, 1): w}) if ok else lattice.crops(*cuts[k], w)
            for k, (w, ok) in enumerate(zip(wholes, sure, strict=True))
        }
        cut = [(*plans[k], heights[k]) for k in plans if any(lattice.unread(c) for c in plans[k][1].values())]
        self._classify([c for severed, runs, ref_h in cut for c in lattice.promising(severed, runs, ref_h)])
        for severed, runs, ref_h in cut:
            for key in lattice.hopeless(severed, runs, ref_h):
                del runs[key]
        self._classify(
            [c for _, runs in plans.values() for c in runs.values() if c is not None and "digit" not in c]
        )
        return plans

    def _classify(self, crops: list[dict]) -> None:
        if not crops:
            return
        from ml import segment

        for crop in crops:  # runs of a lattice are normalised only when they are read
            if "image" not in crop:
                crop["image"] = segment.to_mnist(*crop.pop("piece"))
        probabilities = self.classifier.predict(np.stack([c["image"] for c in crops]))
        for crop, p in zip(crops, probabilities, strict=True):
            crop["digit"], crop["confidence"], crop["probs"] = int(p.argmax()), float(p.max()), p


def _heights(blobs) -> dict[int, float]:
    """id(blob) -> its line's digit height."""
    from ml import segment

    return dict(zip(map(id, blobs), segment.line_heights(blobs), strict=True))


def _groups(blobs) -> list[tuple[int, list]]:
    """(line number, the number's blobs left to right) for every number, in reading order."""
    from ml import segment

    return [
        (line_no, sorted(group, key=lambda b: b.x))
        for line_no, line in enumerate(segment.group_lines(blobs))
        for group in segment.split_numbers(line)
    ]


def _sure(reading, group) -> bool:
    """The line model read one digit per blob, each surely, each peak inside its blob."""
    if reading is None or len(reading[1]) != len(group):
        return False
    return all(
        p >= LINE_SURE and b.x <= _page_column(group, column, reading[2]) <= b.right
        for b, (_, p, column) in zip(group, reading[1], strict=True)
    )


def _leading_zero(digits: list[dict]) -> bool:
    """A number that starts with 0 and goes on with digits ("0210", "-05"): nobody writes one, but a
    decimal whose point was lost ("0.210") reads so, often surely (the silent math misreads)."""
    text = "".join(str(c["digit"]) for c in digits).removeprefix("-")
    return len(text) > 1 and text[0] == "0" and text[1].isdigit()


def _page_column(group, column: float, scale: float) -> float:
    """Where a column of the group's number strip lies on the page."""
    from ml import segment

    return min(b.x for b in group) + (column - segment.LINE_PAD) / scale


def _signed_digits(full: list, reading) -> list[dict]:
    """A number with signs, as the sign model read it: one symbol per blob when it is so."""
    if _sure(reading, full):
        return [_blob_digit(b, d, p) for b, (d, p, _) in zip(full, reading[1], strict=True)]
    return _line_digits(full, reading[1], reading[2], [])


def _blob_digit(blob, digit: int, confidence: float) -> dict:
    return {"digit": digit, "confidence": confidence, "box": (blob.x, blob.y, blob.w, blob.h)}


def _reconcile(digits: list[dict], reading, group, plans=None) -> list[dict]:
    """The cut reading, or the line model's where both models together prefer it, for a lone digit
    digit by digit (ml.combine; without frames or lattices: where it is the more confident)."""
    if reading is None or not digits:
        return digits
    text, found, scale = reading[:3]
    cut = "".join(str(c["digit"]) for c in digits)
    if not found or text == cut:
        return digits
    lone = len(group) == 1 and len(digits) == 1 == len(found)
    joint = plans is not None and len(reading) > 3 and text.isdigit()
    line_confidence = float(np.prod([p for _, p, _ in found]))
    if joint and lone:  # each digit weighed by both models (the classifier alone chose before)
        digits = [combine.lone_digit(digits[0], reading[3])]
    elif joint:
        choice = combine.choose(cut, text, reading[3], plans, lattice.digit_score)
        if choice.text != cut:  # the line model's reading, or one digit off either model's
            digits = combine.respell(choice, found, digits, lambda f: _line_digits(group, f, scale, digits))
        if choice.margin < JOINT_SURE:  # a close call stays doubtful, however sure its winner
            return [{**c, "confidence": min(c["confidence"], DISAGREEMENT)} for c in digits]
    elif not lone and line_confidence > LINE_MARGIN * float(np.prod([c["confidence"] for c in digits])):
        digits = _line_digits(group, found, scale, digits)
    if min(c["confidence"] for c in digits) >= DISAGREEMENT_SURE:
        return digits
    # The two models read this number differently and the winner is not sure: it is doubtful.
    return [{**c, "confidence": min(c["confidence"], DISAGREEMENT)} for c in digits]


def _line_digits(group, found: list, scale: float, digits: list[dict]) -> list[dict]:
    """Digit crops for the line model's reading: the cut digits' boxes when there are as
    many, else boxes split halfway between the digits' peaks along the strip."""
    if len(found) == len(digits):
        return [{**c, "digit": d, "confidence": p} for c, (d, p, _) in zip(digits, found, strict=True)]
    x0, x1 = min(b.x for b in group), max(b.right for b in group)
    centres = [_page_column(group, column, scale) for _, _, column in found]
    edges = [x0] + [(a + b) / 2 for a, b in zip(centres, centres[1:], strict=False)] + [x1]
    made = []
    for (d, p, _), left, right in zip(found, edges, edges[1:], strict=False):
        box = _ink_box(group, round(left), round(right))
        made.append({"digit": d, "confidence": p, "box": box})
    return made


def _ink_box(group, left: int, right: int) -> tuple[int, int, int, int]:
    """The box around the group's ink between two page columns."""
    top, bottom = None, None
    for b in group:
        a, z = max(left, b.x) - b.x, min(right, b.right) - b.x
        if z <= a:
            continue
        rows = np.flatnonzero(b.mask[:, a:z].any(axis=1))
        if len(rows):
            top = b.y + rows[0] if top is None else min(top, b.y + rows[0])
            bottom = b.y + rows[-1] + 1 if bottom is None else max(bottom, b.y + rows[-1] + 1)
    if top is None:
        top, bottom = min(b.y for b in group), max(b.bottom for b in group)
    return left, top, max(1, right - left), bottom - top


def _number(digits: list[dict], line_no: int, to_original) -> dict:
    boxes = [to_original(c["box"]) for c in digits]
    x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
    x1, y1 = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
    return {
        "number": "".join(str(c["digit"]) for c in digits),
        "confidence": round(float(np.prod([c["confidence"] for c in digits])), 4),
        "box": [x0, y0, x1 - x0, y1 - y0],
        "line": line_no,
        "digits": [
            {"digit": str(c["digit"]), "confidence": round(c["confidence"], 4), "box": box}
            for c, box in zip(digits, boxes, strict=True)
        ],
    }


def _box_mapper(affine, fx: float, fy: float, width: int, height: int):
    """Map a working-frame box back to original pixel coordinates."""
    import cv2

    inverse = None if affine is None else cv2.invertAffineTransform(affine)

    def to_original(box):
        x, y, w, h = (float(v) for v in box)
        if inverse is None:  # the same products as below, without NumPy's cost on eight numbers
            x0, y0, x1, y1 = min(x, x + w) * fx, min(y, y + h) * fy, max(x, x + w) * fx, max(y, y + h) * fy
        else:
            corners = np.array([[x, y], [x + w, y], [x, y + h], [x + w, y + h]])
            corners = corners @ inverse[:, :2].T + inverse[:, 2]
            x0, y0 = corners.min(axis=0) * (fx, fy)
            x1, y1 = corners.max(axis=0) * (fx, fy)
        x0, y0 = max(0, math.floor(x0)), max(0, math.floor(y0))
        x1, y1 = min(width, math.ceil(x1)), min(height, math.ceil(y1))
        return [int(x0), int(y0), int(max(1, x1 - x0)), int(max(1, y1 - y0))]

    return to_original


def _model_version(model_path: Path, card_name: str = "model_card.json") -> str:
    card = model_path.parent / card_name
    try:
        return str(json.loads(card.read_text()).get("version", "unknown"))
    except (OSError, ValueError):
        return "unknown"


_reader: Reader | None = None
_reader_lock = threading.Lock()


def get_reader() -> Reader:
    """The process-wide Reader, created on first use (after a worker forks)."""
    global _reader
    if _reader is None:
        with _reader_lock:
            if _reader is None:
                _reader = Reader()
    return _reader
